"""The page at / in headless Chromium against a running `stylize serve` (tools/ci/serve.sh starts it and
sets STYLIZE_URL): a transformer run shows a result of the right size, a Gram job streams progress and
can be cancelled, a corrupt upload shows its error next to the content control."""
import os
import pathlib

import pytest

URL = os.environ.get("STYLIZE_URL")
SAMPLES = pathlib.Path(__file__).resolve().parents[2] / "tools" / "samples"
pytestmark = pytest.mark.skipif(not URL, reason="needs a running server: STYLIZE_URL (tools/ci/serve.sh)")


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,1400"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def open_page(browser):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(URL + "/")
    WebDriverWait(browser, 30).until(lambda d: d.find_element("id", "server-info").text.startswith("modes:"))
    return WebDriverWait


def choose(browser, control, *paths):
    browser.find_element("id", control).send_keys("\n".join(str(p) for p in paths))


def set_value(browser, control, value):
    element = browser.find_element("id", control)
    browser.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", element, value)


def test_transformer_result_has_the_requested_size(browser):
    wait = open_page(browser)
    choose(browser, "content", SAMPLES / "chelsea.png")
    choose(browser, "style", SAMPLES / "mosaic.png", SAMPLES / "strokes.png")
    set_value(browser, "mode", "transformer")
    set_value(browser, "size", "256")
    browser.find_element("id", "blend-0").clear()
    browser.find_element("id", "blend-0").send_keys("2")
    browser.find_element("id", "run").click()
    wait(browser, 180).until(lambda d: d.execute_script(
        "const r = document.getElementById('result'); return r.complete && r.naturalWidth > 0"))
    size = browser.execute_script("const r = document.getElementById('result'); return [r.naturalWidth, r.naturalHeight]")
    assert size == [256, 170]  # chelsea.png is 384×255
    metadata = browser.find_element("id", "metadata").text
    assert "mode transformer" in metadata.replace("\n", " ").lower() or "Mode transformer" in metadata
    assert "0.6666667,0.33333334" in metadata  # blend weights 2,1 normalised
    set_value(browser, "slider", "30")
    shot = os.environ.get("STYLIZE_SCREENSHOT")
    if shot:
        browser.save_screenshot(shot)


def test_gram_job_streams_progress_and_cancels(browser):
    wait = open_page(browser)
    choose(browser, "content", SAMPLES / "coffee.png")
    choose(browser, "style", SAMPLES / "strokes.png")
    set_value(browser, "mode", "gram")
    set_value(browser, "size", "64")
    set_value(browser, "steps", "1500")
    set_value(browser, "multiscale", "off")
    browser.find_element("id", "run").click()
    wait(browser, 120).until(lambda d: int(d.find_element("id", "progress").get_attribute("data-events") or 0) >= 3)
    assert "step " in browser.find_element("id", "progress-text").text
    browser.find_element("id", "cancel").click()
    wait(browser, 60).until(lambda d: d.find_element("id", "progress").get_attribute("data-state") == "cancelled")
    assert browser.find_element("id", "progress-text").text.startswith("cancelled at step ")


def test_corrupt_upload_shows_the_error_next_to_the_content_control(browser, tmp_path):
    wait = open_page(browser)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a PNG")
    choose(browser, "content", broken)
    choose(browser, "style", SAMPLES / "mosaic.png")
    set_value(browser, "mode", "transformer")
    browser.find_element("id", "run").click()
    wait(browser, 30).until(lambda d: d.find_element("id", "error-content").text != "")
    assert browser.find_element("id", "error-content").text.startswith("broken.png: cannot decode")
    assert browser.find_element("id", "content").get_attribute("aria-invalid") == "true"
