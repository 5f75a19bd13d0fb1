// The Python of a page's live cells: Pyodide in a web worker, so that the page stays responsive
// while a cell runs. The page (live.js) talks to it with messages:
//   in:  {type: "start", pyodide, runner, packages}   load Python, runner.py and the packages
//        {type: "run", id, source, name, packages}      load what the cell needs, run it
//   out: {type: "status", text}                         what is loading
//        {type: "ready", seconds}                       the session is ready
//        {type: "output", id, kind, data}               what cell `id` printed, showed or raised
//        {type: "done", id, ok}                         cell `id` has finished
//        {type: "failed", text}                         the session could not start or broke
let session = null;
let current = null; // the id of the cell that is running

self.onmessage = async (event) => {
  const message = event.data;
  try {
    if (message.type === "start") await start(message);
    else if (message.type === "run") await run(message);
  } catch (error) {
    self.postMessage({ type: "failed", text: String((error && error.stack) || error) });
  }
};

async function start({ pyodide: base, runner, packages }) {
  const begin = performance.now();
  self.postMessage({ type: "status", text: "Loading Python…" });
  importScripts(base + "pyodide.js");
  const python = await loadPyodide({
    indexURL: base,
    lockFileURL: base + "pyodide-lock.json", // the site's lock: only files the site serves
    stdout: () => {},
    stderr: () => {},
  });
  self.pyodide = python;
  // What the first run needs, at once: the downloads then overlap.
  await load(["nnbook", ...(packages || [])]);
  python.runPython(await (await fetch(runner)).text());
  const emit = (kind, data) => self.postMessage({ type: "output", id: current, kind, data });
  session = python.globals.get("Session")(emit);
  self.postMessage({ type: "ready", seconds: (performance.now() - begin) / 1000 });
}

async function load(names) {
  const python = self.pyodide;
  const missing = names.filter((n) => !(n in python.loadedPackages));
  if (!missing.length) return;
  self.postMessage({ type: "status", text: `Loading ${missing.join(", ")}…` });
  await python.loadPackage(missing, { messageCallback: () => {} });
}

async function run({ id, source, name, packages }) {
  current = id;
  const python = self.pyodide;
  const wanted = [...(packages || [])];
  if (/\bnnbook\.viz\b|\bviz\./.test(source)) wanted.push("matplotlib"); // the reader's edits
  await load(wanted);
  await python.loadPackagesFromImports(source, { messageCallback: () => {} });
  if ("matplotlib" in python.loadedPackages) session.prepare_matplotlib();
  const ok = session.run(source, name);
  self.postMessage({ type: "done", id, ok });
}
