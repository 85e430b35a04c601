#!/usr/bin/python3
"""The web console in a real browser (headless Chromium through selenium + chromedriver),
against `pinpipe simulate --keep-serving` on a fresh data directory:

- every page loads with no JavaScript console error;
- the Overview shows the same records per topic as `pinpipe status`;
- the Results page shows the same top rows as the run's CSVs;
- "Run now" adds a run that reaches success on the DAG page;
- a wrong-shape stream record produced here shows up as a dead letter with its reason;
- a record whose text holds <script> renders as text (and never runs).

Screenshots of every page go to <build dir>/console-screenshots/. Exits 77 (ctest: skipped)
with a message when Chromium, chromedriver or selenium is missing.
Usage: console_browser_test.py PINPIPE_BIN SCREENSHOT_DIR
"""
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77


def skip(msg):
    print("SKIPPED: " + msg)
    sys.exit(SKIP)


for tool in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
    if not os.path.exists(tool):
        skip(tool + " is missing: install chromium and chromium-driver (bash scripts/setup.sh all)")
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
except ImportError:
    skip("python3-selenium is missing (bash scripts/setup.sh all)")

BIN, SHOTS = sys.argv[1], sys.argv[2]
UID = "0a60b9a8a831"
XSS = "<script>window.__xss=1</script>"
os.makedirs(SHOTS, exist_ok=True)
data = tempfile.mkdtemp(prefix="pinpipe_console_browser_")
env = dict(os.environ, PINPIPE_CONSOLE_LISTEN="127.0.0.1:0")
out_path = os.path.join(data, "simulate.out")
out = open(out_path, "w")
proc = subprocess.Popen([BIN, "simulate", "--data-dir", os.path.join(data, "d"), "-n", "60",
                         "--gateway-port", "0", "--listen", "tcp://127.0.0.1:0",
                         "--keep-serving"], stdout=out, stderr=subprocess.STDOUT, env=env)
driver = None
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def wait_for(fn, what, timeout=30):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # the page may be re-rendering
            last = e
        time.sleep(0.25)
    raise AssertionError("timed out waiting for " + what + " (last: " + str(last) + ")")


try:
    text = wait_for(lambda: "serving:" in open(out_path).read() and open(out_path).read(),
                    "simulate to serve", 90)
    url = re.search(r"console on (http://[0-9.:]+/)", text).group(1)
    endpoint = re.search(r"node API \(ZeroMQ\) serving on (tcp://[0-9.:]+)", text).group(1)
    # The run simulate made before serving (its summary comes only at the end).
    import json
    import urllib.request
    runs = json.load(urllib.request.urlopen(url + "api/v1/runs", timeout=10))["runs"]
    run_dir = os.path.join(data, "d", "results", runs[0]["run_id"])
    print("console", url, "node", endpoint)

    # A wrong-shape stream record (a JSON array, not an object) carrying markup.
    subprocess.run([BIN, "-b", endpoint, "produce", "streaming-%s-pin" % UID],
                   input='["%s"]\n' % XSS, text=True, check=True, capture_output=True)

    opts = webdriver.ChromeOptions()
    for a in ("--headless", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--disable-quic", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
              "--user-data-dir=" + os.path.join(data, "chrome")):
        opts.add_argument(a)
    opts.binary_location = "/usr/bin/chromium"
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.set_page_load_timeout(30)

    def load(page):
        driver.get(url + page)
        wait_for(lambda: driver.find_element(By.TAG_NAME, "body").get_attribute("data-loaded"),
                 page + " to load")

    def console_errors(page):
        errs = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        check(not errs, page + ": no JavaScript console errors " + str(errs))

    def cells(table_id):
        rows = driver.find_elements(By.CSS_SELECTOR, "#%s tbody tr" % table_id)
        return [[td.text for td in r.find_elements(By.TAG_NAME, "td")] for r in rows]

    # Overview: records per topic as `pinpipe status` reports them.
    load("overview")
    prom = subprocess.run([BIN, "-b", endpoint, "status", "--prometheus", "--data-dir",
                           os.path.join(data, "d")], capture_output=True, text=True).stdout
    expected = {}
    for m in re.finditer(r'^pinpipe_partition_records\{topic="([^"]+)",partition="\d+"\} (\d+)',
                         prom, re.M):
        expected[m.group(1)] = expected.get(m.group(1), 0) + int(m.group(2))
    check(len(expected) >= 6, "status lists the 6 pipeline topics: " + str(expected))
    shown = wait_for(lambda: {r[0]: int(r[1]) for r in cells("topic-records")},
                     "the topic table")
    check(shown == expected, "Overview records per topic == status: %s vs %s" % (shown, expected))
    time.sleep(2.5)  # a refresh of the live chart
    driver.save_screenshot(os.path.join(SHOTS, "overview.png"))
    console_errors("overview")

    load("pipeline")
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#actor-graph rect"), "actor graph")
    check("sink" in driver.find_element(By.ID, "actor-graph").text, "pipeline graph has the sink")
    driver.save_screenshot(os.path.join(SHOTS, "pipeline.png"))
    console_errors("pipeline")

    # Results: the first rows of each query as in its CSV.
    load("results")
    wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, ".result-table")) == 9,
             "9 result tables")
    tables = driver.find_elements(By.CSS_SELECTOR, ".query")
    for t in tables:
        name = t.get_attribute("data-query")
        with open(os.path.join(run_dir, name + ".csv"), newline="") as f:
            want = list(csv.reader(f))[1:4]
        got = [[td.text for td in r.find_elements(By.TAG_NAME, "td")]
               for r in t.find_elements(By.CSS_SELECTOR, ".result-table tbody tr")][:3]
        want = [[v if v != "" else g for v, g in zip(w, gr)] for w, gr in zip(want, got)]
        check(got == want, "Results %s top rows == CSV: %s vs %s" % (name, got, want))
    driver.save_screenshot(os.path.join(SHOTS, "results.png"))
    console_errors("results")

    # DAG: Run now -> a new run reaching success.
    load("dag")
    before = wait_for(lambda: cells("runs"), "the runs grid")
    driver.find_element(By.ID, "run-now").click()
    queued = wait_for(lambda: re.search(r"queued (\S+)",
                                        driver.find_element(By.ID, "run-now-msg").text),
                      "Run now to queue").group(1)
    state = wait_for(lambda: [r[1] for r in cells("runs") if r[0] == queued and
                              r[1] == "success"], "run " + queued + " to succeed", 60)
    check(state == ["success"] and len(cells("runs")) == len(before) + 1,
          "Run now added run %s that reached success" % queued)
    driver.find_element(By.LINK_TEXT, queued).click()
    wait_for(lambda: driver.find_element(By.ID, "run-log").text, "the run's log")
    driver.save_screenshot(os.path.join(SHOTS, "dag.png"))
    console_errors("dag")

    # Dead letters: the wrong-shape record with its reason, its markup as text.
    load("dead-letters")
    rows = wait_for(lambda: [r for r in cells("dl-letters") if XSS in " ".join(r)],
                    "the dead letter", 30)
    check(rows and rows[0][1] == "streaming-%s-pin" % UID and rows[0][4] != "",
          "dead letter shown with its topic and reason: " + str(rows))
    counts = cells("dl-counts")
    check(any(c[1] == rows[0][4] for c in counts), "its reason is counted: " + str(counts))
    check(driver.execute_script("return window.__xss") is None, "<script> in data never ran")
    check(not driver.find_elements(By.XPATH, "//main//script"), "no <script> element in the page")
    driver.save_screenshot(os.path.join(SHOTS, "dead-letters.png"))
    console_errors("dead-letters")

    load("warehouse")
    wait_for(lambda: cells("tables"), "the table list")
    driver.find_element(By.LINK_TEXT, "%s_pin_table" % UID).click()
    wait_for(lambda: driver.find_element(By.ID, "sample").text, "sample rows")
    driver.save_screenshot(os.path.join(SHOTS, "warehouse.png"))
    console_errors("warehouse")
except Exception as e:
    failures.append(repr(e))
    print("FAIL", repr(e))
finally:
    if driver:
        driver.quit()
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
    out.close()
    if failures:
        print("--- simulate output ---\n" + open(out_path).read()[-3000:])
    shutil.rmtree(data, ignore_errors=True)

print("screenshots in " + SHOTS)
sys.exit(1 if failures else 0)
