// Run a Python file inside Pyodide under Node, offline, on the site's own Pyodide.
//
//   node lite/run.mjs <pyodide dir> <script.py> [wheel ...]
//
// <pyodide dir> is what lite/build.py assembles (static/pyodide: the core, the official
// lock and the verified package files); the wheels are the site's piplite wheels
// (attnrmt_lib, ipywidgets, comm). The script's stdout and stderr pass through; the exit
// status is 1 when it raises.
import { loadPyodide } from "./node_modules/pyodide/pyodide.mjs";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const [dir, script, ...wheels] = process.argv.slice(2);
// The packages the site's kernel preloads (lite/jupyter-lite.json), and no others.
const config = JSON.parse(readFileSync(new URL("./jupyter-lite.json", import.meta.url)));
const preload = config["jupyter-config-data"].litePluginSettings[
  "@jupyterlite/pyodide-kernel-extension:kernel"].loadPyodideOptions.packages;
const t0 = performance.now();
const quiet = { messageCallback: () => {} };
try {
  const pyodide = await loadPyodide({ indexURL: resolve(dir) + "/" });
  const tCore = performance.now();
  await pyodide.loadPackage(preload, quiet);
  const tPackages = performance.now();
  await pyodide.loadPackage(wheels.map((w) => resolve(w)), quiet);
  pyodide.globals.set("LOAD_SECONDS", pyodide.toPy({
    core: (tCore - t0) / 1000, packages: (tPackages - tCore) / 1000,
    wheels: (performance.now() - tPackages) / 1000 }));
  await pyodide.runPythonAsync(readFileSync(script, "utf8"), { filename: script });
} catch (err) {
  console.error(String(err && err.message || err));
  process.exit(1);
}
