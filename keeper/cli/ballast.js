#!/usr/bin/env node
/**
 * The `bin` entry of `ballast`, the keeper CLI. It is plain JavaScript so that any Node can read
 * it: the CLI itself (keeper/cli/ballast.ts) is TypeScript, run with the type stripping of Node
 * ≥ 22. `npx ballast` and `npm run keeper` run it with the project's own Node 22 (the `node@22`
 * dev dependency, first on their PATH). Under an older Node it prints one error line saying so and
 * how to run the CLI, and exits 1, instead of Node's ERR_UNKNOWN_FILE_EXTENSION for the `.ts`.
 */
const MIN_NODE_MAJOR = 22;

const version = process.versions.node;
if (Number(version.split(".")[0]) < MIN_NODE_MAJOR) {
  process.stderr.write(
    `ballast: error: the keeper CLI needs Node >= ${MIN_NODE_MAJOR} (TypeScript run with type ` +
      `stripping), this is Node ${version}: from the repository run \`npx ballast …\` or ` +
      "`npm run keeper -- …` (both use the project's Node 22), or " +
      "`node_modules/.bin/node keeper/cli/ballast.ts …`\n",
  );
  process.exit(1);
}
await import("./ballast.ts");
