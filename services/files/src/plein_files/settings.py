"""The files service's settings (`PLEIN_FILES_*`): where bytes go, limits, processing."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FilesSettings(BaseSettings):
    """Defaults work under `make run`: bytes under PLEIN_DATA_DIR/files, no scanner."""

    model_config = SettingsConfigDict(env_prefix="PLEIN_FILES_", extra="ignore")

    storage_url: str = Field(
        default="",
        description="where bytes go: empty for PLEIN_DATA_DIR/files, file:///path, or "
        "s3://bucket/prefix (endpoint, region and keys from the S3 settings below)",
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="an S3-compatible server (MinIO, Ceph RGW, Garage); unset: AWS"
    )
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None

    max_file_bytes: int = Field(default=2 * 1024**3, ge=1, description="larger uploads get 413")
    quota_bytes: int = Field(
        default=20 * 1024**3, ge=0, description="what one person's files may hold in all"
    )
    unattached_ttl_s: float = Field(
        default=24 * 3600.0, gt=0, description="an upload attached nowhere is removed after this"
    )
    signed_url_ttl_s: int = Field(default=300, ge=10, le=24 * 3600)
    max_image_pixels: int = Field(
        default=80_000_000, ge=1, description="larger images are refused (decompression bombs)"
    )
    process_interval_s: float = Field(default=0.5, gt=0)
    sweep_interval_s: float = Field(default=600.0, gt=0)
    clamd_address: str | None = Field(
        default=None,
        description="ClamAV's daemon, host:port or a unix socket path; unset: no scanning",
    )

    link_previews: bool = Field(
        default=True, description="fetch a card for the first link of each post and reply"
    )
    link_preview_allow: str = Field(
        default="",
        description="intranet hosts and networks link previews may reach although private "
        "(host names or CIDRs, commas between: `wiki.intra, 10.20.0.0/16`); any port on them",
    )
    link_preview_timeout_s: float = Field(default=5.0, gt=0, description="per page or image")
    link_preview_max_page_bytes: int = Field(default=1_000_000, ge=1024)
    link_preview_max_image_bytes: int = Field(default=5_000_000, ge=1024)
    link_preview_refetch_s: float = Field(
        default=24 * 3600.0, gt=0, description="a card older than this is fetched again"
    )
