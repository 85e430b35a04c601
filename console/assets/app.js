// pinpipe console pages. Uses only the JSON API (/api/v1/...). Every value from data goes
// into the DOM as text (textContent / createTextNode), never as markup.
"use strict";
(function () {
  const KEY = "pinpipe_console_key";
  const SVGNS = "http://www.w3.org/2000/svg";
  const main = document.getElementById("main");
  const statusEl = document.getElementById("status");
  let timers = [];

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "onclick" || k === "onchange") e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const k of kids) if (k !== null && k !== undefined)
      e.appendChild(typeof k === "object" ? k : document.createTextNode(String(k)));
    return e;
  }
  function sv(tag, attrs, text) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  function every(ms, fn) { fn(); timers.push(setInterval(fn, ms)); }

  class NeedKey extends Error {}
  async function api(path, opts) {
    const headers = {};
    const key = sessionStorage.getItem(KEY);
    if (key) headers["X-API-Key"] = key;
    const r = await fetch(path, Object.assign({ headers }, opts || {}));
    if (r.status === 401) throw new NeedKey("API key needed");
    if (!r.ok) {
      let msg = r.status + "";
      try { msg += ": " + (await r.json()).error.message; } catch (e) { /* not JSON */ }
      throw new Error(msg);
    }
    return r;
  }
  async function getJSON(path) { return (await api(path)).json(); }

  function table(columns, rows, numeric) {
    const t = el("table", {});
    t.appendChild(el("thead", {}, el("tr", {}, ...columns.map(c => el("th", {}, c)))));
    const tb = el("tbody", {});
    for (const r of rows) {
      tb.appendChild(el("tr", {}, ...r.map((v, i) => {
        if (v !== null && typeof v === "object" && v.nodeType) return el("td", {}, v);
        const td = el("td", {}, v === null ? "null" : v);
        if (typeof v === "number" || (numeric && numeric[i])) td.className = "n";
        return td;
      })));
    }
    t.appendChild(tb);
    return t;
  }
  function showError(where, e) {
    if (e instanceof NeedKey) return login();
    where.appendChild(el("p", { class: "err" }, "error: " + e.message));
  }

  function login() {
    stop();
    clear(main);
    const input = el("input", { type: "password", id: "api-key", size: "40" });
    main.appendChild(el("h2", {}, "API key"));
    main.appendChild(el("p", {}, "This console needs a key of [console] api_keys (or [gateway] api_keys). It is kept for this browser session only."));
    main.appendChild(el("form", { id: "login" }, input, " ", el("button", { type: "submit" }, "Use key")));
    document.getElementById("login").addEventListener("submit", ev => {
      ev.preventDefault();
      sessionStorage.setItem(KEY, input.value);
      route();
    });
  }

  // ---- charts: Chart.js when the console serves it, else SVG drawn here or by the server
  const palette = ["#4a7bd0", "#d0704a", "#4ab07b", "#9a4ad0", "#c0b030", "#30a0c0", "#888"];
  function lineChartSVG(series, width, height) {
    const s = sv("svg", { class: "graph", viewBox: `0 0 ${width} ${height}`, width, height });
    let max = 1, tmin = Infinity, tmax = -Infinity;
    for (const pts of Object.values(series)) for (const [t, v] of pts) {
      max = Math.max(max, v); tmin = Math.min(tmin, t); tmax = Math.max(tmax, t);
    }
    if (!isFinite(tmin)) { s.appendChild(sv("text", { x: 10, y: 20 }, "no samples yet")); return s; }
    const L = 50, B = height - 20, W = width - L - 120, H = height - 30;
    s.appendChild(sv("line", { x1: L, y1: B, x2: L + W, y2: B, stroke: "#888" }));
    s.appendChild(sv("text", { x: 2, y: 14 }, Math.round(max)));
    s.appendChild(sv("text", { x: 2, y: B }, "0"));
    let i = 0;
    for (const [name, pts] of Object.entries(series)) {
      const color = palette[i % palette.length];
      const xy = pts.map(([t, v]) => [L + (tmax > tmin ? (t - tmin) / (tmax - tmin) * W : W),
                                       B - v / max * H]);
      if (xy.length) s.appendChild(sv("polyline", { fill: "none", stroke: color, "stroke-width": 2,
        points: xy.map(p => p[0].toFixed(1) + "," + p[1].toFixed(1)).join(" ") }));
      s.appendChild(sv("text", { x: L + W + 6, y: 14 + 14 * i, fill: color }, name));
      i++;
    }
    return s;
  }
  function chartCanvas(kind, labels, datasets, horizontal) {
    const c = el("canvas", {});
    const box = el("div", { class: "chart-box", style: "height:" + (horizontal ? Math.max(160, 22 * labels.length + 40) : 260) + "px" }, c);
    setTimeout(() => new window.Chart(c, {
      type: kind, data: { labels, datasets },
      options: { animation: false, maintainAspectRatio: false, indexAxis: horizontal ? "y" : "x",
                 plugins: { legend: { display: datasets.length > 1 } } } }), 0);
    return box;
  }

  // ---- Overview
  async function overview() {
    const root = el("div", {});
    main.appendChild(root);
    const live = el("div", { class: "chart-box", id: "rate-chart" });
    let chart = null;
    async function refresh() {
      try {
        const o = await getJSON("/api/v1/overview");
        clear(root);
        const totalRecords = o.topics.reduce((a, t) => a + t.records, 0);
        root.appendChild(el("div", { class: "cards" },
          el("div", { class: "card" }, "topics and streams", el("div", { class: "big" }, o.topics.length)),
          el("div", { class: "card" }, "records stored", el("div", { class: "big", id: "total-records" }, totalRecords)),
          el("div", { class: "card" }, "consumer groups", el("div", { class: "big" }, new Set(o.groups.map(g => g.group)).size))));
        root.appendChild(el("h2", {}, "Nodes"));
        root.appendChild(table(["id", "state", "roles", "node API", "data"],
          o.nodes.map(n => [n.id, n.up ? "up" : "down", n.roles.join(", "), n.endpoint, n.data_dir])));
        root.appendChild(el("h2", {}, "Records per second (last minutes)"));
        root.appendChild(live);
        root.appendChild(el("h2", {}, "Topics and streams"));
        const rows = [];
        for (const t of o.topics) for (const p of t.partitions)
          rows.push([t.name, t.kind, p.partition, p.log_start, p.high_watermark, p.records, p.leader, p.replicas]);
        const tt = table(["topic", "kind", "partition", "log start", "high watermark", "records", "leader", "replicas"], rows);
        tt.id = "partitions";
        root.appendChild(tt);
        const per = table(["topic", "records"], o.topics.map(t => [t.name, t.records]));
        per.id = "topic-records";
        root.appendChild(el("h2", {}, "Records per topic"));
        root.appendChild(per);
        root.appendChild(el("h2", {}, "Consumer groups and lag"));
        root.appendChild(o.groups.length ? table(["group", "topic", "partition", "committed", "lag"],
          o.groups.map(g => [g.group, g.topic, g.partition, g.committed, g.lag])) : el("p", { class: "muted" }, "no consumer group has committed offsets"));
        root.appendChild(el("h2", {}, "Stream sink positions"));
        root.appendChild(table(["stream", "shard", "position", "lag"],
          o.sink_positions.map(s => [s.topic, s.partition, s.position, s.lag])));
        root.appendChild(el("h2", {}, "Warehouse rows"));
        root.appendChild(table(["table", "rows"], o.tables.map(t => [t.table, t.rows === null ? "-" : t.rows])));
        statusEl.textContent = "updated " + new Date().toLocaleTimeString();
      } catch (e) { clear(root); showError(root, e); }
    }
    async function rates() {
      try {
        const r = await getJSON("/api/v1/throughput?seconds=300");
        const names = Object.keys(r.topics);
        if (window.Chart) {
          const labels = (r.topics[names[0]] || []).map(p => new Date(p[0]).toLocaleTimeString());
          const ds = names.map((n, i) => ({ label: n, data: r.topics[n].map(p => p[1]), borderColor: palette[i % palette.length], pointRadius: 0 }));
          if (!chart) {
            const c = el("canvas", {});
            clear(live); live.style.height = "260px"; live.appendChild(c);
            chart = new window.Chart(c, { type: "line", data: { labels, datasets: ds },
              options: { animation: false, maintainAspectRatio: false } });
          } else { chart.data.labels = labels; chart.data.datasets = ds; chart.update(); }
        } else {
          clear(live);
          live.appendChild(lineChartSVG(r.topics, 860, 240));
        }
      } catch (e) { if (e instanceof NeedKey) login(); }
    }
    await refresh();
    timers.push(setInterval(refresh, 5000));
    every(2000, rates);
  }

  // ---- Pipeline
  async function pipeline() {
    const root = el("div", {});
    main.appendChild(root);
    const boxes = [
      ["emulator-batch", 10, 20], ["emulator-stream", 10, 200], ["gateway", 200, 110],
      ["broker (log)", 390, 110], ["connector", 580, 20], ["lake", 770, 20],
      ["stream readers", 580, 200], ["cleaner", 770, 200], ["sink", 960, 200], ["tables", 1150, 200]];
    const edges = [[0, 2], [1, 2], [0, 3], [2, 3], [3, 4], [4, 5], [3, 6], [6, 7], [7, 8], [8, 9]];
    async function refresh() {
      try {
        const p = await getJSON("/api/v1/pipeline");
        const o = await getJSON("/api/v1/overview");
        const by = {};
        for (const a of p.actors) {
          const key = a.name.startsWith("stream-reader") ? "stream readers" : a.name;
          const b = by[key] || (by[key] = { items: 0, errors: 0, dead_letters: 0, objects: 0, n: 0 });
          b.items += a.items; b.errors += a.errors; b.dead_letters += a.dead_letters; b.objects += a.objects; b.n++;
        }
        by["broker (log)"] = { items: o.topics.reduce((a, t) => a + t.records, 0), errors: 0, label: "records" };
        const wh = o.tables.filter(t => t.table.endsWith("_table")).reduce((a, t) => a + (t.rows || 0), 0);
        by["tables"] = { items: wh, errors: 0, label: "stream rows" };
        const lakeObjects = by["connector"] ? by["connector"].objects : 0;
        by["lake"] = { items: lakeObjects, errors: 0, label: "objects" };
        clear(root);
        root.appendChild(el("p", { class: "muted" }, p.pipeline_on_this_node ? "stream lag (records not yet in the stream tables): " + (p.stream_lag === null ? "-" : p.stream_lag) : "this node runs no pipeline role"));
        const s = sv("svg", { class: "graph", viewBox: "0 0 1320 300", width: "1320", height: "300", id: "actor-graph" });
        for (const [a, b] of edges) {
          const A = boxes[a], B = boxes[b];
          s.appendChild(sv("line", { x1: A[1] + 170, y1: A[2] + 35, x2: B[1], y2: B[2] + 35, stroke: "#999", "stroke-width": 2 }));
        }
        boxes.forEach(([name, x, y]) => {
          const st = by[name];
          const g = sv("a", { href: "#details-" + name.replace(/\W+/g, "-") });
          g.appendChild(sv("rect", { x, y, width: 170, height: 70, rx: 6, fill: st ? (st.errors ? "#fde0e0" : "#e6f0ff") : "#eee", stroke: "#23395d" }));
          g.appendChild(sv("text", { x: x + 8, y: y + 18, "font-weight": "bold" }, name));
          g.appendChild(sv("text", { x: x + 8, y: y + 38 }, st ? (st.label || "in/out") + ": " + st.items : "not on this node"));
          if (st) g.appendChild(sv("text", { x: x + 8, y: y + 56 }, "errors " + st.errors + (st.dead_letters ? ", dead " + st.dead_letters : "")));
          s.appendChild(g);
        });
        root.appendChild(s);
        root.appendChild(el("h2", {}, "Actors"));
        root.appendChild(table(["actor", "items", "errors", "dead letters", "objects", "finished", "last error"],
          p.actors.map(a => [el("span", { id: "details-" + a.name.replace(/\W+/g, "-") }, a.name), a.items, a.errors, a.dead_letters, a.objects, a.finished ? "yes" : "no", a.last_error])));
      } catch (e) { clear(root); showError(root, e); }
    }
    every(2000, refresh);
  }

  // ---- DAG
  async function dag() {
    const root = el("div", {});
    const logBox = el("div", { id: "run-log" });
    const msg = el("span", { id: "run-now-msg", class: "muted" });
    const btn = el("button", { id: "run-now" }, "Run now");
    btn.addEventListener("click", async () => {
      try {
        const r = await (await api("/api/v1/runs", { method: "POST" })).json();
        msg.textContent = " queued " + r.run_id;
        refresh();
      } catch (e) { msg.textContent = " " + e.message; }
    });
    main.appendChild(el("div", {}, btn, msg));
    main.appendChild(root);
    main.appendChild(logBox);
    async function showLog(id) {
      try {
        const r = await getJSON("/api/v1/runs/" + encodeURIComponent(id) + "/log");
        clear(logBox);
        logBox.appendChild(el("h2", {}, "Run " + r.run_id));
        logBox.appendChild(table(["attempt", "state", "start", "end", "error"],
          r.attempts.map(a => [a.attempt, a.state, a.start_time, a.end_time, a.error])));
        logBox.appendChild(el("div", { class: "log" }, r.log.length ? r.log.join("\n") : "(no log lines name this run in " + r.log_file + ")"));
      } catch (e) { showError(logBox, e); }
    }
    async function refresh() {
      try {
        const r = await getJSON("/api/v1/runs");
        clear(root);
        root.appendChild(el("h2", {}, "Runs of " + r.dag_id));
        const rows = r.runs.map(x => {
          const link = el("a", { href: "#", class: "run-id" }, x.run_id);
          link.addEventListener("click", ev => { ev.preventDefault(); showLog(x.run_id); });
          const stateCell = el("span", { class: "state state-" + x.state }, x.state);
          return [link, stateCell, x.trigger, x.scheduled_time, x.start_time, x.duration_s === null ? "-" : x.duration_s + " s", x.try_number, x.error];
        });
        const t = table(["run", "state", "trigger", "scheduled", "start", "duration", "try", "error"], rows);
        t.id = "runs";
        root.appendChild(r.runs.length ? t : el("p", {}, "no runs yet"));
      } catch (e) { clear(root); showError(root, e); }
    }
    every(2000, refresh);
  }

  // ---- Results
  async function download(path, name) {
    const blob = await (await api(path)).blob();
    const a = el("a", { href: URL.createObjectURL(blob), download: name });
    document.body.appendChild(a); a.click(); a.remove();
  }
  function queryView(runId, q, compact) {
    const box = el("div", { class: "query", "data-query": q.name });
    if (!q.present) { box.appendChild(el("p", { class: "muted" }, "no " + q.name + ".csv in this run")); return box; }
    const last = q.columns.length - 1;
    let pts = q.rows.filter(r => r[last] !== null).map(r => [r.slice(0, last).map(v => v === null ? "(null)" : v).join(" / "), Number(r[last])]);
    const TOP = 15;
    let showAll = false;
    const chartHolder = el("div", {});
    function draw() {
      clear(chartHolder);
      let p = pts;
      if (q.chart === "bar") { p = pts.slice().sort((a, b) => b[1] - a[1]); if (!showAll) p = p.slice(0, TOP); }
      if (window.Chart) {
        chartHolder.appendChild(chartCanvas(q.chart, p.map(x => x[0]), [{ label: q.columns[last], data: p.map(x => x[1]), backgroundColor: "#4a7bd0", borderColor: "#4a7bd0" }], q.chart === "bar"));
      } else {
        const img = el("img", { alt: q.name + " chart", class: "svg-chart" });
        api("/api/v1/runs/" + encodeURIComponent(runId) + "/charts/" + q.name + ".svg").then(r => r.blob()).then(b => { img.src = URL.createObjectURL(b); }).catch(() => {});
        chartHolder.appendChild(img);
      }
    }
    draw();
    const tools = el("div", {});
    if (q.chart === "bar" && pts.length > TOP) {
      const b = el("button", {}, "show all " + pts.length);
      b.addEventListener("click", () => { showAll = !showAll; b.textContent = showAll ? "top " + TOP : "show all " + pts.length; draw(); });
      tools.appendChild(b);
    }
    const dl = el("button", { class: "csv" }, "CSV");
    dl.addEventListener("click", () => download("/api/v1/runs/" + encodeURIComponent(runId) + "/results/" + q.name + ".csv", q.name + ".csv"));
    tools.appendChild(dl);
    box.appendChild(tools);
    box.appendChild(chartHolder);
    const t = table(q.columns, compact ? q.rows.slice(0, 50) : q.rows);
    t.className = "result-table";
    box.appendChild(t);
    return box;
  }
  async function results() {
    const runs = (await getJSON("/api/v1/runs")).runs.filter(r => r.has_results);
    if (!runs.length) { main.appendChild(el("p", {}, "no run with results yet: run one on the DAG page")); return; }
    const selA = el("select", { id: "run-a" }, ...runs.map(r => el("option", { value: r.run_id }, r.run_id + " (" + r.state + ")")));
    const selB = el("select", { id: "run-b" }, el("option", { value: "" }, "(none)"), ...runs.map(r => el("option", { value: r.run_id }, r.run_id)));
    const params = new URLSearchParams(location.search);
    if (params.get("run")) selA.value = params.get("run");
    const body = el("div", {});
    main.appendChild(el("p", {}, "run ", selA, " compare with ", selB));
    main.appendChild(body);
    async function draw() {
      clear(body);
      try {
        const a = await getJSON("/api/v1/runs/" + encodeURIComponent(selA.value) + "/results");
        const b = selB.value ? await getJSON("/api/v1/runs/" + encodeURIComponent(selB.value) + "/results") : null;
        a.queries.forEach((q, i) => {
          body.appendChild(el("h2", { id: q.name }, q.name));
          if (!b) body.appendChild(queryView(a.run_id, q, false));
          else body.appendChild(el("div", { class: "cols" },
            el("div", {}, el("p", { class: "muted" }, a.run_id), queryView(a.run_id, q, true)),
            el("div", {}, el("p", { class: "muted" }, b.run_id), queryView(b.run_id, b.queries[i], true))));
        });
      } catch (e) { showError(body, e); }
    }
    selA.addEventListener("change", draw);
    selB.addEventListener("change", draw);
    await draw();
  }

  // ---- Dead letters
  async function deadLetters() {
    const topic = el("select", { id: "dl-topic" }, el("option", { value: "" }, "(all topics)"));
    const reason = el("input", { id: "dl-reason", placeholder: "reason contains" });
    const go = el("button", { id: "dl-filter" }, "Filter");
    const body = el("div", {});
    main.appendChild(el("p", {}, topic, " ", reason, " ", go));
    main.appendChild(body);
    let topicsLoaded = false;
    async function draw() {
      clear(body);
      try {
        const q = new URLSearchParams({ limit: "100" });
        if (topic.value) q.set("topic", topic.value);
        if (reason.value) q.set("reason", reason.value);
        const r = await getJSON("/api/v1/dead-letters?" + q);
        if (!topicsLoaded) { for (const t of r.topics) topic.appendChild(el("option", { value: t }, t)); topicsLoaded = true; }
        body.appendChild(el("h2", {}, "Counts per reason (" + r.total + " matching)"));
        const c = table(["path", "reason", "count"], r.counts.map(x => [x.path, x.reason, x.count]));
        c.id = "dl-counts";
        body.appendChild(c);
        body.appendChild(el("h2", {}, "Dead letters (newest first, " + r.letters.length + " shown)"));
        const t = table(["path", "topic", "partition", "offset", "reason", "raw", "time"],
          r.letters.map(x => [x.path, x.topic, x.partition, x.offset, x.reason, el("span", { class: "raw" }, x.raw === null ? "null" : x.raw), x.time]));
        t.id = "dl-letters";
        body.appendChild(t);
      } catch (e) { showError(body, e); }
    }
    go.addEventListener("click", draw);
    await draw();
  }

  // ---- Warehouse
  async function warehouse() {
    const body = el("div", {});
    main.appendChild(body);
    try {
      const w = await getJSON("/api/v1/warehouse");
      body.appendChild(el("p", { class: "muted" }, w.path));
      const sample = el("div", { id: "sample" });
      const t = table(["table", "rows", "columns"], w.tables.map(x => {
        const a = el("a", { href: "#", class: "table-link" }, x.name);
        a.addEventListener("click", async ev => {
          ev.preventDefault();
          clear(sample);
          try {
            const s = await getJSON("/api/v1/warehouse/" + encodeURIComponent(x.name) + "?limit=20");
            sample.appendChild(el("h2", {}, x.name + ": first " + s.rows.length + " rows"));
            sample.appendChild(table(s.columns, s.rows));
          } catch (e) { showError(sample, e); }
        });
        return [a, x.rows, x.columns.map(c => c.name + " " + c.type).join(", ")];
      }));
      t.id = "tables";
      body.appendChild(t);
      body.appendChild(sample);
    } catch (e) { showError(body, e); }
  }

  const pages = { overview, pipeline, dag, results, "dead-letters": deadLetters, warehouse };
  function stop() { for (const t of timers) clearInterval(t); timers = []; }
  async function route() {
    stop();
    clear(main);
    let page = location.pathname.replace(/^\/+|\/+$/g, "") || "overview";
    if (!pages[page]) page = "overview";
    for (const a of document.querySelectorAll("header nav a"))
      a.classList.toggle("active", a.dataset.page === page);
    document.title = "pinpipe: " + page;
    try { await pages[page](); } catch (e) { showError(main, e); }
    document.body.setAttribute("data-loaded", page);
  }
  route();
})();
