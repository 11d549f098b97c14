#!/usr/bin/env python3
"""Screenshots of the page for the README and the Service article: desktop (1200 px wide) and phone
(390 px) JPEGs of a finished run (chelsea.png in the bundled "Stained glass" style, slider at 40 %),
taken with headless Chromium and Selenium from a running `stylize serve` (tools/page_screenshots.sh
starts one), written as service-page-desktop.jpg and service-page-phone.jpg.

    python3 tools/page_screenshots.py --url http://127.0.0.1:8080
"""
import argparse
import io
import pathlib

from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[1]


def shoot(driver, url, width, height, mode, size, path):
    """Loads the page in a width×height viewport, runs one stylisation and saves the viewport as JPEG."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.get(url + "/")
    wait = WebDriverWait(driver, 60)
    wait.until(lambda d: d.find_element("id", "server-info").text.startswith("modes:"))
    wait.until(lambda d: d.find_elements("css selector", '#bundled .thumb[data-style="mosaic"]'))
    driver.find_element("id", "content").send_keys(str(ROOT / "tools" / "samples" / "chelsea.png"))
    driver.find_element("css selector", '#bundled .thumb[data-style="mosaic"]').click()
    for control, value in (("mode", mode), ("size", str(size))):
        driver.execute_script("arguments[0].value = arguments[1]", driver.find_element("id", control), value)
    driver.find_element("id", "run").click()
    WebDriverWait(driver, 600).until(lambda d: d.execute_script(
        "const r = document.getElementById('result'); return !document.getElementById('output').hidden && r.complete && r.naturalWidth > 0"))
    # Slider at 40 %; on a phone, scrolled so the download button is at the bottom of the screen.
    driver.execute_script("const s = document.getElementById('slider'); s.value = 40; s.dispatchEvent(new Event('input'));"
                          "document.activeElement.blur(); const d = document.getElementById('download').getBoundingClientRect();"
                          "window.scrollTo(0, arguments[0] ? 0 : d.bottom + window.scrollY + 12 - window.innerHeight)", width >= 600)
    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    if image.width > 960:  # small enough for the README, text still readable
        image = image.resize((960, round(image.height * 960 / image.width)), Image.LANCZOS)
    image.save(path, quality=75, optimize=True, progressive=True)
    print(f"wrote {path} ({image.width}×{image.height}, {path.stat().st_size // 1024} KiB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the running server")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "Sources" / "StyleTransfer" / "StyleTransfer.docc")
    parser.add_argument("--mode", default="gram", choices=["gram", "transformer"],
                        help="gram (default: texture even with the seeded random loss network) or transformer (needs real StyTr² weights to look like anything)")
    parser.add_argument("--size", type=int, default=192, help="long side of the result")
    args = parser.parse_args()
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        shoot(driver, args.url, 1200, 860, args.mode, args.size, args.out / "service-page-desktop.jpg")
        shoot(driver, args.url, 390, 844, args.mode, args.size, args.out / "service-page-phone.jpg")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
