// Renders every math block it is given (a JSON list on stdin) with KaTeX as a web page would,
// and prints a JSON list of failures: {index, message}. Run from the repository root.
const katex = require("katex");
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const failures = [];
  JSON.parse(input).forEach((block, index) => {
    try {
      katex.renderToString(block, { throwOnError: true, displayMode: true });
    } catch (error) {
      failures.push({ index, message: String(error.message) });
    }
  });
  process.stdout.write(JSON.stringify(failures));
});
