"""The page at / in headless Chromium against a running `stylize serve` (tools/ci/serve.sh starts it and
sets STYLIZE_URL): uploads and bundled styles, a transformer result of the right size, the before/after
slider by keyboard, the download's name and bytes, a HEIC photo, a 390 px wide phone viewport, a Gram job's
progress and cancel, and errors next to the control that caused them."""
import os
import pathlib
import time

import pytest

URL = os.environ.get("STYLIZE_URL")
ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tools" / "samples"
HEIC = ROOT / "Tests" / "browser" / "fixtures" / "photo.heic"  # tools/make_image_fixtures.py: 96×64 stored, irot to 64×96
BUNDLED = ["strokes", "mosaic", "waves", "dots", "marble", "shards"]
pytestmark = pytest.mark.skipif(not URL, reason="needs a running server: STYLIZE_URL (tools/ci/serve.sh)")


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,1400"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False})
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield driver
    driver.quit()


@pytest.fixture
def phone(browser):
    """A 390×844 touch viewport (an iPhone 12–15's CSS size) for one test."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def open_page(browser):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(URL + "/")
    WebDriverWait(browser, 30).until(lambda d: d.find_element("id", "server-info").text.startswith("modes:"))
    WebDriverWait(browser, 30).until(lambda d: len(d.find_elements("css selector", "#bundled .thumb")) == len(BUNDLED))
    return WebDriverWait


def choose(browser, control, *paths):
    browser.find_element("id", control).send_keys("\n".join(str(p) for p in paths))


def set_value(browser, control, value):
    element = browser.find_element("id", control)
    browser.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", element, value)


def pick(browser, style):
    browser.find_element("css selector", f'#bundled .thumb[data-style="{style}"]').click()


def wait_for_result(browser, wait, seconds=180):
    wait(browser, seconds).until(lambda d: d.execute_script(
        "const r = document.getElementById('result'); return !document.getElementById('output').hidden && r.complete && r.naturalWidth > 0")
        or d.execute_script("return [...document.querySelectorAll('.error')].map(e => e.textContent).join('')"))
    errors = browser.execute_script("return [...document.querySelectorAll('.error')].map(e => e.id + ': ' + e.textContent).filter(t => !t.endsWith(': '))")
    assert errors == []
    return browser.execute_script("const r = document.getElementById('result'); return [r.naturalWidth, r.naturalHeight]")


def rect(browser, element):
    return browser.execute_script("const r = arguments[0].getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}", element)


def accessible_names(browser):
    """(role, name) of every control in Chromium's accessibility tree, as a screen reader gets them."""
    browser.execute_cdp_cmd("Accessibility.enable", {})
    nodes = browser.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    roles = {"button", "textbox", "spinbutton", "combobox", "slider", "checkbox", "link", "progressbar"}
    return [(n["role"]["value"], n.get("name", {}).get("value", "")) for n in nodes
            if not n.get("ignored") and n.get("role", {}).get("value") in roles]


def test_transformer_result_has_the_requested_size(browser):
    wait = open_page(browser)
    choose(browser, "content", SAMPLES / "chelsea.png")
    choose(browser, "style", SAMPLES / "mosaic.png", SAMPLES / "strokes.png")
    set_value(browser, "mode", "transformer")
    set_value(browser, "size", "256")
    browser.find_element("id", "blend-0").clear()
    browser.find_element("id", "blend-0").send_keys("2")
    browser.find_element("id", "run").click()
    assert wait_for_result(browser, wait) == [256, 170]  # chelsea.png is 384×255
    metadata = browser.find_element("id", "metadata").text
    assert "mode transformer" in metadata.replace("\n", " ").lower() or "Mode transformer" in metadata
    assert "0.6666667,0.33333334" in metadata  # blend weights 2,1 normalised
    assert browser.find_element("id", "download").get_attribute("download") == "chelsea_stylized_mosaic+strokes.png"


def test_pick_a_bundled_style_then_download_keeps_the_names(browser, downloads):
    from PIL import Image

    wait = open_page(browser)
    titles = [t.text for t in browser.find_elements("css selector", "#bundled .thumb")]
    assert titles == ["Brush strokes", "Stained glass", "Woodblock waves", "Pointillist dots", "Marbled paper", "Low-poly shards"]
    pick(browser, "marble")
    pick(browser, "waves")
    thumb = browser.find_element("css selector", '#bundled .thumb[data-style="waves"]')
    assert thumb.get_attribute("aria-pressed") == "true"
    pick(browser, "marble")  # a second click drops it
    assert browser.find_element("css selector", '#bundled .thumb[data-style="marble"]').get_attribute("aria-pressed") == "false"
    assert [e.text for e in browser.find_elements("css selector", "#style-list .style-name")] == ["Woodblock waves"]
    choose(browser, "content", SAMPLES / "coffee.png")
    set_value(browser, "mode", "transformer")
    set_value(browser, "size", "128")
    set_value(browser, "format", "webp")
    browser.find_element("id", "run").click()
    assert wait_for_result(browser, wait) == [128, 85]  # coffee.png is 384×256
    assert "waves.jpg" in browser.find_element("id", "metadata").text  # the bundled image went up as a style part
    download = browser.find_element("id", "download")
    assert download.get_attribute("download") == "coffee_stylized_waves.webp"
    download.click()
    target = downloads / "coffee_stylized_waves.webp"
    wait(browser, 30).until(lambda _: target.exists() and not (downloads / (target.name + ".crdownload")).exists())
    with Image.open(target) as image:
        assert image.format == "WEBP" and image.size == (128, 85)
        image.load()


def test_slider_moves_by_keyboard_and_side_by_side(browser):
    from selenium.webdriver.common.keys import Keys

    wait = open_page(browser)
    choose(browser, "content", SAMPLES / "chelsea.png")
    pick(browser, "mosaic")
    set_value(browser, "mode", "transformer")
    set_value(browser, "size", "96")
    browser.find_element("id", "run").click()
    wait_for_result(browser, wait)
    slider = browser.find_element("id", "slider")
    clip = lambda: browser.execute_script("return document.getElementById('after-clip').style.clipPath")
    assert clip() == "inset(0px 0px 0px 50%)"
    slider.send_keys(Keys.ARROW_LEFT * 5)
    assert slider.get_attribute("value") == "45"
    assert clip() == "inset(0px 0px 0px 45%)"
    assert slider.get_attribute("aria-valuetext") == "45% photo, 55% result"
    assert browser.execute_script("return document.getElementById('divider').style.left") == "45%"
    slider.send_keys(Keys.END)
    assert clip() == "inset(0px 0px 0px 100%)" and slider.get_attribute("aria-valuetext") == "100% photo, 0% result"
    slider.send_keys(Keys.HOME)
    assert clip() == "inset(0px 0px 0px 0%)"
    # The photo and result stack in one box of the photo's aspect ratio.
    before, result = browser.find_element("id", "before"), browser.find_element("id", "result")
    assert rect(browser, before) == rect(browser, result)
    box = rect(browser, before)
    assert abs((box["right"] - box["left"]) / (box["bottom"] - box["top"]) - 384 / 255) < 0.02
    names = accessible_names(browser)
    assert [name for _, name in names if not name.strip()] == [], names
    for control in [("slider", "Before / after"), ("checkbox", "side by side"), ("link", "Download"), ("button", "Stained glass"),
                    ("button", "remove Stained glass"), ("spinbutton", "blend weight of Stained glass"), ("button", "Your photo")]:
        assert control in names, names
    browser.find_element("id", "side-by-side").click()
    assert slider.get_attribute("disabled") == "true"
    b, r = rect(browser, before), rect(browser, result)
    assert b["right"] <= r["left"] and b["top"] == r["top"]


def test_heic_photo_is_shown_and_stylised(browser, downloads):
    wait = open_page(browser)
    choose(browser, "content", HEIC)
    # Chromium cannot show HEIC: the page shows the server's JPEG of it (POST /v1/decode), upright.
    wait(browser, 30).until(lambda d: d.execute_script("const b = document.getElementById('before'); return b.complete && b.naturalWidth > 0")
                            or d.find_element("id", "error-content").text)
    assert browser.find_element("id", "error-content").text == ""
    shown = browser.execute_script("const b = document.getElementById('before'); return [b.naturalWidth, b.naturalHeight]")
    assert shown == [64, 96]  # portrait, as the phone took it
    assert browser.execute_script("return document.getElementById('before').src.startsWith('blob:')")
    pick(browser, "strokes")
    set_value(browser, "mode", "transformer")
    set_value(browser, "size", "64")
    browser.find_element("id", "run").click()
    assert wait_for_result(browser, wait) == [43, 64]  # the rotated photo's shape at long side 64
    assert browser.find_element("id", "download").get_attribute("download") == f"{HEIC.stem}_stylized_strokes.png"


def test_phone_width_has_no_horizontal_overflow_and_every_control_is_reachable(phone):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser = phone
    wait = open_page(browser)
    assert browser.execute_script("return window.innerWidth") == 390

    def overflow():
        return browser.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")

    def controls_inside():
        visible = [e for e in browser.find_elements(By.CSS_SELECTOR, "input, select, button, a[href], summary, textarea") if e.is_displayed()]
        outside = [(e.get_attribute("id") or e.text, rect(browser, e)) for e in visible
                   if rect(browser, e)["left"] < 0 or rect(browser, e)["right"] > 390]
        return len(visible), outside

    assert overflow() == 0
    choose(browser, "content", SAMPLES / "astronaut.png")
    pick(browser, "dots")
    browser.find_element(By.CSS_SELECTOR, "#more summary").click()  # the Gram options open too
    count, outside = controls_inside()
    assert count > 20 and outside == [] and overflow() == 0
    # Tab from the top reaches the photo, the styles, the options and the button, in that order.
    browser.execute_script("document.querySelector('.skip').focus()")  # the first stop of the tab order
    order = []
    for _ in range(60):
        ActionChains(browser).send_keys(Keys.TAB).perform()  # not send_keys on a file input: that uploads
        active = browser.switch_to.active_element
        order.append(active.get_attribute("id") or active.get_attribute("data-style") or active.tag_name)
        if order[-1] == "run":
            break
    assert order[-1] == "run", order
    positions = [order.index(name) for name in ("content", "strokes", "shards", "style", "mode", "format", "steps", "run")]
    assert positions == sorted(positions), order
    set_value(browser, "mode", "transformer")
    set_value(browser, "size", "96")
    browser.find_element("id", "run").click()
    assert wait_for_result(browser, wait) == [96, 96]
    assert overflow() == 0
    count, outside = controls_inside()
    assert outside == []
    stage = rect(browser, browser.find_element("id", "compare"))
    assert stage["left"] >= 0 and stage["right"] <= 390 and stage["top"] < 844  # scrolled into view
    assert browser.find_element("id", "download").is_displayed()


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
    assert browser.find_element("id", "stage-status").get_attribute("textContent").startswith("step ")  # read to screen readers
    browser.find_element("id", "cancel").click()
    wait(browser, 60).until(lambda d: d.find_element("id", "progress").get_attribute("data-state") == "cancelled")
    assert browser.find_element("id", "progress-text").text.startswith("cancelled at step ")


def assert_error_under(browser, field, prefix):
    error, control = browser.find_element("id", "error-" + field), browser.find_element("id", field)
    assert error.is_displayed() and error.text.startswith(prefix), error.text
    assert control.get_attribute("aria-invalid") == "true"
    assert "error-" + field in control.get_attribute("aria-describedby").split()
    assert error.get_attribute("role") == "alert"
    e, c = rect(browser, error), rect(browser, control)
    assert 0 <= e["top"] - c["bottom"] < 30 and abs(e["left"] - c["left"]) < 2  # right under its control
    general = browser.find_element("id", "error-general")
    assert general.text == ""


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


def test_option_errors_appear_under_their_control(browser):
    wait = open_page(browser)
    browser.find_element("id", "run").click()
    assert_error_under(browser, "content", "pick a photo")
    choose(browser, "content", SAMPLES / "chelsea.png")
    browser.find_element("id", "run").click()
    assert browser.find_element("id", "error-style").text == "pick a style above or upload a style image"
    pick(browser, "shards")
    set_value(browser, "mode", "transformer")
    set_value(browser, "size", "5")
    browser.find_element("id", "run").click()
    wait(browser, 30).until(lambda d: d.find_element("id", "error-size").text != "")
    assert_error_under(browser, "size", "size must be between 16 and 16384 pixels, not 5")
    # A Gram option's error opens the section it is in.
    set_value(browser, "size", "")
    set_value(browser, "mode", "gram")
    set_value(browser, "multiscale", "bogus")
    assert browser.find_element("id", "more").get_attribute("open") is None
    browser.find_element("id", "run").click()
    wait(browser, 30).until(lambda d: d.find_element("id", "error-multiscale").text != "")
    assert browser.find_element("id", "more").get_attribute("open") == "true"
    assert browser.find_element("id", "error-size").text == ""  # the earlier error is gone
    assert_error_under(browser, "multiscale", "multiscale")
