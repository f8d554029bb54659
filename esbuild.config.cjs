// The esbuild options of every Lambda bundle, read by serverless-esbuild (serverless.yml
// custom.esbuild.config) and by `npm run bench`, which builds each function's cold-start floor (a
// bundle of only its SDK clients) with exactly these options. CommonJS because serverless-esbuild
// loads it with require().
const { readFile } = require('node:fs/promises');

/**
 * Marks every zod/mini call in our own modules `/* @__PURE__ *\/`, so a bundle drops the schemas its
 * handler never parses (src/schemas.ts holds all of them; evaluating the unused ones cost a third of
 * Summarize's cold start). zod marks each of these functions free of side effects
 * (`@__NO_SIDE_EFFECTS__`), but esbuild honours that annotation only within the file that declares
 * the function: https://esbuild.github.io/api/#ignore-annotations. `z.config()` has an effect and
 * stays as written; so does any method call (`.check()`): schemas.ts wraps those in local functions
 * it marks itself.
 */
const pureZodCalls = {
  name: 'pure-zod-calls',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes("from 'zod/mini'")) return undefined;
      return { contents: markZodCallsPure(source), loader: 'ts' };
    });
  },
};

/** Comments and string literals (left as they are), or a run of code between them. */
const TOKENS =
  /\/\/[^\n]*|\/\*[\s\S]*?\*\/|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`|[^/'"`]+|\//g;

/** `z.fn(` becomes `/* @__PURE__ *\/ z.fn(` in code, never inside a comment or a string. */
function markZodCallsPure(source) {
  return source.replace(TOKENS, (token) =>
    /^(\/\/|\/\*|['"`])/.test(token)
      ? token
      : token.replace(/(?<![\w$.])z\.(?!config\b)(\w+)\(/g, '/* @__PURE__ */ z.$1('),
  );
}

module.exports = Object.assign(
  () => ({
    bundle: true,
    // Minified, with a source map that leaves out the sources' text (sourcesContent): the zips are
    // about 60% of the unminified ones (npm run bench; docs/costs.md). Minifying alone
    // shrinks the .mjs but not the zip, whose bulk is then the map. NODE_OPTIONS=--enable-source-maps
    // (provider.environment) still maps every stack frame back to its src/ file, line and function
    // name (the map keeps names), so keepNames is not needed: error names are fixed strings.
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    target: 'node22',
    platform: 'node',
    // On platform 'node' esbuild takes a package's `main` (CommonJS) before its `module` (ES modules)
    // unless told otherwise; the AWS SDK clients have no `exports` map, so only this order brings in
    // their ES build, the one that tree-shakes (the bundle then carries the commands the function
    // sends, not all of the client's): https://esbuild.github.io/api/#main-fields
    mainFields: ['module', 'main'],
    // @middy/core 7 is ESM-only; Lambda runs .mjs files as ES modules.
    format: 'esm',
    outputFileExtension: '.mjs',
    // Bundled CommonJS code (parts of the AWS SDK) calls require() for Node built-ins; an ES module
    // has no require, so give the bundle one.
    banner: {
      js: "import { createRequire as __asgPatcherCreateRequire } from 'node:module'; const require = __asgPatcherCreateRequire(import.meta.url);",
    },
    // Bundle the AWS SDK instead of using the copy in the Lambda runtime: that copy changes version
    // under us whenever AWS updates the runtime, while the bundled one is the exact version in
    // package-lock.json that the tests ran against (the serverless-esbuild default only excludes the
    // v2 'aws-sdk', which we do not use).
    exclude: [],
    plugins: [pureZodCalls],
  }),
  { markZodCallsPure },
);
