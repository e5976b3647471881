// Load Pyodide under Node (offline: the npm package), install wheels from URLs, run Python, print its JSON.
// Usage: node run.mjs <pyodide dir> <python file> <wheel URL>...
import { readFileSync } from "node:fs";
import { loadPyodide } from "pyodide";

const [indexURL, script, ...wheels] = process.argv.slice(2);
const started = Date.now();
const pyodide = await loadPyodide({ indexURL, stdout: () => {}, stderr: (line) => console.error(line) });
await pyodide.loadPackage(wheels, { messageCallback: () => {}, errorCallback: (line) => console.error(line) });
const installed = Date.now();
const answer = pyodide.runPython(readFileSync(script, "utf8"));
console.log(JSON.stringify({ answer: JSON.parse(answer), load_ms: installed - started, run_ms: Date.now() - installed }));
