// Live code cells: each code cell of a chapter has a "Run" button (written in when the book is
// built). The first click starts Python in a web worker (worker.js, Pyodide from the site's own
// _live/pyodide/) and fetches the chapter's cells (_live/cells/<page>.json), those the page hides
// too. The cells of a page share one session, as in a notebook: a cell runs after every cell
// above it that has not run yet. Once the session has started the code can be edited in place;
// "Stop" ends a running cell (by restarting the worker), "Reset" starts a new session.
(() => {
  const root = new URL(document.documentElement.dataset.content_root || "./", location.href);
  // The Korean edition (under ko/) uses the English site's copy of Pyodide: data-pyodide.
  const pyodide = new URL(document.currentScript.dataset.pyodide || "_live/pyodide/", root);
  // The interface's words in the page's language (the English and the Korean edition).
  const TEXT = {
    en: {
      stop: "Stop",
      reset: "Reset",
      stopCell: (n) => `Stop cell ${n}`,
      output: (n) => `Output of cell ${n}, computed in your browser`,
      figure: "A figure drawn by this cell in your browser",
      ready: (s) => `Python is ready (started in ${s} s).`,
      died: (text) => `Python stopped: ${text}`,
      stopped: "Stopped. The next Run starts a new Python session.",
      wasReset: "Reset. The next Run starts a new Python session.",
      fileUrl:
        "Running the code needs the book served over http, not opened as a file: " +
        "run `make serve` and open http://127.0.0.1:8000 (any static web server works).",
      starting: "Starting Python in your browser…",
      above: (n, of) => `Running the cells above first: ${n} of ${of}…`,
      slow: (s) => `This cell takes about ${s} s in a browser.`,
      running: (n, s) => `Running cell ${n}: ${s} s`,
      done: (n, ok, s) => `Cell ${n} ${ok ? "ran" : "raised an error"} in ${s} s.`,
      noStart: (text) => `Python could not start: ${text}`,
    },
    ko: {
      stop: "중지",
      reset: "초기화",
      stopCell: (n) => `셀 ${n} 중지`,
      output: (n) => `셀 ${n}의 출력 (브라우저에서 계산)`,
      figure: "이 셀이 브라우저에서 그린 그림",
      ready: (s) => `Python 준비 완료 (${s}초 걸림).`,
      died: (text) => `Python이 멈췄다: ${text}`,
      stopped: "중지했다. 다음 실행 때 새 Python 세션을 시작한다.",
      wasReset: "초기화했다. 다음 실행 때 새 Python 세션을 시작한다.",
      fileUrl:
        "코드를 실행하려면 책을 파일로 열지 말고 http로 제공해야 한다: " +
        "`make serve`를 실행하고 http://127.0.0.1:8000 을 열자 (어떤 정적 웹 서버든 된다).",
      starting: "브라우저에서 Python을 시작하는 중…",
      above: (n, of) => `위의 셀부터 실행하는 중: ${of}개 중 ${n}번째…`,
      slow: (s) => `이 셀은 브라우저에서 약 ${s}초 걸린다.`,
      running: (n, s) => `셀 ${n} 실행 중: ${s}초`,
      done: (n, ok, s) => `셀 ${n}: ${ok ? "실행 완료" : "오류 발생"} (${s}초).`,
      noStart: (text) => `Python을 시작하지 못했다: ${text}`,
    },
  }[document.documentElement.lang === "ko" ? "ko" : "en"];
  const page = location.pathname.split("/").pop().replace(/\.html$/, "") || "index";
  let worker = null; // the session's worker, once started
  let ready = null; // resolves when the session can run cells
  let chapter = null; // the page's cells, from _live/cells/<page>.json
  let ran = []; // ran[i]: cell i has run in this session
  let queue = Promise.resolve(); // the runs, one after the other
  let pending = new Map(); // cell id -> {resolve, output} of the running cell
  let starting = null; // {resolve, reject} while the worker starts
  let bar = null; // the session's status bar

  const cellOf = (index) => document.querySelector(`div.cell[data-cell="${index}"]`);
  const codeOf = (cell) => cell && cell.querySelector(":scope div.cell_input pre");

  // -- output -------------------------------------------------------------------------------------
  function outputOf(index) {
    const cell = cellOf(index);
    if (!cell) return null; // a cell the page does not show (tagged remove-cell)
    let out = cell.querySelector(":scope > .live-output");
    if (!out) {
      out = document.createElement("div");
      out.className = "live-output";
      out.setAttribute("aria-live", "polite");
      out.setAttribute("aria-label", TEXT.output(index + 1));
      cell.appendChild(out);
    }
    return out;
  }

  function clear(out) {
    if (!out) return;
    out.replaceChildren();
    delete out.dataset.done;
    out.parentElement.classList.add("live-ran"); // hides the output the book was built with
  }

  function append(out, kind, data) {
    if (!out) return;
    if (kind === "stdout" || kind === "stderr" || kind === "text" || kind === "error") {
      let pre = out.lastElementChild;
      const streamed = kind === "stdout" || kind === "stderr";
      if (!(streamed && pre && pre.dataset.kind === kind)) {
        pre = document.createElement("pre");
        pre.dataset.kind = kind;
        pre.className = `live-${kind}`;
        out.appendChild(pre);
      }
      pre.textContent += streamed ? data : data + "\n";
    } else if (kind === "html") {
      const div = document.createElement("div");
      div.className = "live-html";
      div.innerHTML = data;
      out.appendChild(div);
    } else if (kind === "figure") {
      const img = document.createElement("img");
      img.src = URL.createObjectURL(new Blob([data], { type: "image/svg+xml" }));
      img.alt = TEXT.figure;
      img.className = "live-figure";
      out.appendChild(img);
    } else if (kind === "status") {
      const p = document.createElement("p");
      p.className = "live-status";
      p.textContent = data;
      out.appendChild(p);
    }
  }

  function status(text) {
    if (!bar) {
      bar = document.createElement("div");
      bar.className = "live-session";
      bar.setAttribute("role", "status");
      bar.innerHTML =
        '<span class="live-session-text"></span>' +
        `<button type="button" class="live-reset">${TEXT.reset}</button>`;
      bar.querySelector(".live-reset").addEventListener("click", reset);
      document.body.appendChild(bar);
    }
    bar.querySelector(".live-session-text").textContent = text;
  }

  // -- the session --------------------------------------------------------------------------------
  function start(index) {
    if (ready) return ready;
    ready = (async () => {
      if (!chapter) {
        const response = await fetch(new URL(`_live/cells/${page}.json`, root));
        if (!response.ok) throw new Error(`this page's cells are missing (${response.status})`);
        chapter = await response.json();
      }
      ran = chapter.cells.map(() => false);
      worker = new Worker(new URL("_static/live/worker.js", root));
      worker.onmessage = receive;
      worker.postMessage({
        type: "start",
        pyodide: pyodide.href,
        runner: new URL("_static/live/runner.py", root).href,
        // What cell `index` and the cells above it need.
        packages: [...new Set(chapter.cells.slice(0, index + 1).flatMap((c) => c.packages))],
      });
      await new Promise((resolve, reject) => (starting = { resolve, reject }));
      for (const cell of document.querySelectorAll("div.cell[data-cell]")) {
        const code = codeOf(cell);
        if (code) {
          code.contentEditable = "plaintext-only"; // the reader may now change the code
          code.spellcheck = false;
          code.addEventListener("input", () => (code.dataset.edited = "yes"), { once: true });
        }
      }
    })();
    return ready;
  }

  function receive(event) {
    const message = event.data;
    if (message.type === "status") status(message.text);
    else if (message.type === "ready") {
      status(TEXT.ready(message.seconds.toFixed(1)));
      starting?.resolve();
      starting = null;
    } else if (message.type === "failed") {
      status(TEXT.died(message.text.split("\n")[0]));
      starting?.reject(new Error(message.text));
      starting = null;
      for (const run of pending.values()) {
        append(run.output, "error", TEXT.died(message.text));
        run.resolve(false);
      }
    } else if (message.type === "output") {
      const run = pending.get(message.id);
      if (run) append(run.output, message.kind, message.data);
    } else if (message.type === "done") {
      const run = pending.get(message.id);
      pending.delete(message.id);
      if (run) run.resolve(message.ok);
    }
  }

  function stop() {
    if (worker) worker.terminate();
    worker = null;
    ready = null;
    starting?.reject(new Error("stopped"));
    starting = null;
    for (const run of pending.values()) run.resolve(false);
    pending = new Map();
    queue = Promise.resolve();
    status(TEXT.stopped);
  }

  function reset() {
    stop();
    for (const cell of document.querySelectorAll("div.cell.live-ran")) {
      cell.classList.remove("live-ran");
      cell.querySelector(":scope > .live-output")?.remove();
    }
    status(TEXT.wasReset);
  }

  // How long each cell took, for `make bench` (benchmarks/live.py) to read.
  window.nnbookLive = { seconds: {} };

  function execute(index, output) {
    const cell = cellOf(index);
    const code = codeOf(cell);
    // The reader's edits: innerText keeps the lines they typed. An unedited block may not be
    // laid out yet (it waits until it is near the view), so its text is read as it is.
    const source = code ? (code.dataset.edited ? code.innerText : code.textContent) : null;
    const begin = performance.now();
    return new Promise((resolve) => {
      pending.set(index, { resolve, output });
      const { packages } = chapter.cells[index];
      const text = source ?? chapter.cells[index].source; // a cell the page does not show
      const name = `<cell ${index + 1}>`;
      worker.postMessage({ type: "run", id: index, source: text, name, packages });
    }).then((ok) => {
      ran[index] = true;
      window.nnbookLive.seconds[index] = (performance.now() - begin) / 1000;
      return ok;
    });
  }

  // -- a click on "Run" ---------------------------------------------------------------------------
  async function runCell(index, button) {
    const out = outputOf(index);
    if (location.protocol === "file:") {
      clear(out);
      append(out, "status", TEXT.fileUrl);
      return;
    }
    clear(out);
    // The button's own words (the build writes them, in the page's language) come back after.
    const [label, name] = [button.textContent, button.getAttribute("aria-label")];
    button.textContent = TEXT.stop;
    button.setAttribute("aria-label", TEXT.stopCell(index + 1));
    try {
      if (!worker) append(out, "status", TEXT.starting);
      await start(index);
      clear(out);
      const seconds = chapter.seconds[index];
      const before = ran.slice(0, index).map((done, i) => (done ? -1 : i)).filter((i) => i >= 0);
      for (const [n, i] of before.entries()) {
        status(TEXT.above(n + 1, before.length));
        const earlier = outputOf(i);
        clear(earlier);
        await execute(i, earlier ?? out);
      }
      if (seconds && seconds >= 3) {
        append(out, "status", TEXT.slow(Math.round(seconds)));
      }
      const begin = performance.now();
      const tick = setInterval(() => {
        status(TEXT.running(index + 1, ((performance.now() - begin) / 1000).toFixed(0)));
      }, 1000);
      const ok = await execute(index, out);
      clearInterval(tick);
      const took = ((performance.now() - begin) / 1000).toFixed(1);
      status(TEXT.done(index + 1, ok, took));
      out.dataset.done = ok ? "ok" : "error";
    } catch (error) {
      append(out, "error", TEXT.noStart(error.message));
      out.dataset.done = "error";
      ready = null;
    } finally {
      button.textContent = label;
      button.setAttribute("aria-label", name);
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.live-run");
    if (!button) return;
    const index = Number(button.closest("div.cell[data-cell]").dataset.cell);
    if (button.textContent === TEXT.stop) {
      stop();
      return;
    }
    const out = document.querySelector(`div.cell[data-cell="${index}"] > .live-output`);
    if (out) delete out.dataset.done; // at once: the old result is no longer this run's
    queue = queue.then(() => runCell(index, button));
  });
})();
