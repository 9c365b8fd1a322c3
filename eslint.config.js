// One linter for the TypeScript of src, test and scripts, with type-aware rules (typescript-eslint),
// and Prettier for formatting (.prettierrc.json): `npm run lint` checks both, `npm run format` writes.
import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".scratch/**", "test/house-fixture/**", "scripts/bench/bare-fork/**", "scripts/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ["eslint.config.js"] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits must say so (`void`), and a thenable is never passed where a callback is expected.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
      // No `catch {}` that swallows: every catch says why it may ignore what it caught.
      "no-empty": ["error", { allowEmptyCatch: false }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      // Hooks are async by OpenCode's contract even when they await nothing.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // The TUI's own types (OpenTUI's keymap, renderables, theme) come with OpenCode at run time and
    // are not installed here, so what reads them is typed as an error by the checker.
    files: ["src/tui/**/*.ts", "src/tui/**/*.tsx"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts", "scripts/**/*.ts"],
    rules: {
      // Tests and scripts read fakes and JSON loosely on purpose.
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/unbound-method": "off",
    },
  },
)
