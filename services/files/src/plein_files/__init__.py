"""plein_files: files and media shared in Plein."""
