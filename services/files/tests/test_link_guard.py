"""The link-preview SSRF guard and its fetcher, without Plein's servers: the rules on
addresses, then fetches against a real HTTP server on loopback."""

from __future__ import annotations

import io
import ipaddress

import httpx
import pytest
from PIL import Image
from plein_files.link_cards.fetcher import FetchFailed, Limits, SafeFetcher
from plein_files.link_cards.guard import AllowList, Refused, check_address, choose_address, target
from plein_files.link_cards.metadata import first_url, read_page, with_oembed

from .link_server import og_page, serving

NOBODY = AllowList()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.1.2.3",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",  # the cloud metadata service
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",  # link-local
        "fc00::1",  # unique-local
        "fd12:3456::1",
        "ff02::1",  # multicast
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    ],
)
def test_private_and_special_addresses_are_refused(address: str) -> None:
    with pytest.raises(Refused):
        check_address("example.com", ipaddress.ip_address(address), NOBODY)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_are_allowed(address: str) -> None:
    check_address("example.com", ipaddress.ip_address(address), NOBODY)


def test_allow_list_admits_a_host_or_a_network_and_nothing_else() -> None:
    allow = AllowList.parse("wiki.intra, 10.20.0.0/16 127.0.0.1")
    check_address("wiki.intra", ipaddress.ip_address("10.1.1.1"), allow)
    check_address("anything", ipaddress.ip_address("10.20.3.4"), allow)
    check_address("anything", ipaddress.ip_address("::ffff:127.0.0.1"), allow)
    with pytest.raises(Refused):
        check_address("other.intra", ipaddress.ip_address("10.1.1.1"), allow)
    # An allow-listed host may use any port; others only 80 and 443.
    assert target("http://wiki.intra:8080/x", allow).port == 8080
    assert target("http://127.0.0.1:9999/", allow).port == 9999
    with pytest.raises(Refused):
        target("http://example.com:8080/", allow)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http://user:pw@example.com/",
        "http://example.com:22/",
        "http:///nohost",
    ],
)
def test_schemes_ports_and_credentials_are_checked(url: str) -> None:
    with pytest.raises(Refused):
        target(url, NOBODY)


def test_one_private_answer_refuses_the_host() -> None:
    with pytest.raises(Refused):
        choose_address("mixed.example", ["93.184.216.34", "10.0.0.1"], NOBODY)
    assert str(choose_address("ok.example", ["93.184.216.34"], NOBODY)) == "93.184.216.34"


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://2130706433/",  # 127.0.0.1 written as one decimal number
        "http://0x7f000001/",  # ... and in hexadecimal
        "http://127.1/",
        "http://[::1]/",
        "http://[::ffff:7f00:1]/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
async def test_hosts_that_resolve_inside_are_never_fetched(url: str) -> None:
    with serving() as site:  # something listens on loopback: it must not be asked
        with pytest.raises(Refused):
            await SafeFetcher(NOBODY, Limits(timeout_s=2)).page(url)
        assert site.seen == []


async def test_connect_goes_to_the_checked_address_with_the_name_in_host_and_sni() -> None:
    """A resolver that answers a public address first and a private one after (DNS
    rebinding) is asked once; the request goes to the first answer."""
    answers = [["93.184.216.34"], ["127.0.0.1"]]
    asked: list[str] = []
    sent: list[httpx.Request] = []

    async def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[min(len(asked) - 1, 1)]

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, headers={"content-type": "text/html"}, content=b"<title>x")

    fetcher = SafeFetcher(NOBODY, resolver=rebinding, transport=httpx.MockTransport(answer))
    await fetcher.page("https://news.example/story")
    assert asked == ["news.example"]
    assert sent[0].url.host == "93.184.216.34"
    assert sent[0].headers["host"] == "news.example"
    assert sent[0].extensions["sni_hostname"] == "news.example"


async def test_redirects_are_rechecked_and_limited() -> None:
    allow = AllowList.parse("127.0.0.1")
    with serving() as site, serving("127.0.0.2") as inside:
        inside.pages["/"] = (200, {"Content-Type": "text/html"}, og_page("Inside", "secret"))
        site.pages["/to-inside"] = (302, {"Location": f"{inside.origin}/"}, b"")
        site.pages["/to-metadata"] = (301, {"Location": "http://169.254.169.254/"}, b"")
        for n in range(5):
            site.pages[f"/loop{n}"] = (302, {"Location": f"/loop{n + 1}"}, b"")
        site.pages["/hop"] = (302, {"Location": "/page"}, b"")
        site.pages["/page"] = (200, {"Content-Type": "text/html"}, og_page("Fine", "ok"))
        fetcher = SafeFetcher(allow, Limits(timeout_s=3))
        for path in ("/to-inside", "/to-metadata", "/loop0"):
            with pytest.raises(Refused):
                await fetcher.page(site.origin + path)
        assert inside.seen == []
        page = await fetcher.page(site.origin + "/hop")
        assert page.url == site.origin + "/page"
        assert site.seen[-1] == ("/page", f"127.0.0.1:{site.port}")


async def test_size_type_and_image_sniffing_are_enforced() -> None:
    allow = AllowList.parse("127.0.0.1")
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    with serving() as site:
        site.pages["/big"] = (200, {"Content-Type": "text/html"}, b"x" * 5000)
        site.pages["/pdf"] = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4")
        site.pages["/fake.png"] = (200, {"Content-Type": "image/png"}, b"<svg onload=x>")
        site.pages["/real"] = (200, {"Content-Type": "text/plain"}, png.getvalue())
        fetcher = SafeFetcher(allow, Limits(max_page_bytes=4096, timeout_s=3))
        for path in ("/big", "/pdf"):
            with pytest.raises(FetchFailed):
                await fetcher.page(site.origin + path)
        with pytest.raises(FetchFailed):
            await fetcher.image(site.origin + "/fake.png")
        assert (await fetcher.image(site.origin + "/real")).media_type == "image/png"


def test_the_first_link_of_a_text_is_the_one_previewed() -> None:
    assert first_url("See https://a.example/x?y=1. And http://b.example") == (
        "https://a.example/x?y=1"
    )
    assert first_url("[docs](https://docs.example/page) here") == "https://docs.example/page"
    assert first_url("no link, ftp://x.example or www.example.com") is None


def test_card_words_come_from_open_graph_then_twitter_then_title() -> None:
    page = og_page("OG title", "OG words", "/img.png", "Example News")
    card = read_page(page, "https://news.example/a/b")
    assert (card.title, card.description, card.site_name) == (
        "OG title",
        "OG words",
        "Example News",
    )
    assert card.image_url == "https://news.example/img.png"
    plain = read_page(
        b'<title> Just  a title </title><meta name="twitter:description" content="tw">'
        b'<link rel="alternate" type="application/json+oembed" href="/oembed?u=1">',
        "https://plain.example/",
    )
    assert (plain.title, plain.description, plain.site_name) == (
        "Just a title",
        "tw",
        "plain.example",
    )
    assert plain.oembed_url == "https://plain.example/oembed?u=1"
    filled = with_oembed(
        plain, b'{"provider_name": "Tube", "thumbnail_url": "https://i.example/t.jpg"}', "x"
    )
    assert (filled.site_name, filled.image_url) == ("Tube", "https://i.example/t.jpg")


def test_an_ipv6_link_keeps_its_brackets() -> None:
    assert (
        first_url("go http://[::ffff:127.0.0.1]:8080/x now") == "http://[::ffff:127.0.0.1]:8080/x"
    )
