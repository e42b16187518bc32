// @ts-check
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "bin/**",
      "policy/node_modules/**",
      ".finance-app/**",
      "**/*.js",
      "**/*.mjs",
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@pulumi": pulumi },
    rules: {
      // An Output in a template literal prints "Calling [toString] on an [Output<T>]..." at deploy time.
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-floating-promises": "error",
    },
  },
  {
    // The program is what `pulumi up` runs: it never reaches into the offline engine, the tools or
    // the tests (they import the program, not the other way round).
    files: ["index.ts", "config.ts", "config/**/*.ts", "components/**/*.ts", "workloads/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex:
                "^(\\.\\./)+(engine|tools|test|policy)(/|$)|^\\./(engine|tools|test|policy)(/|$)",
              message:
                "Program code may not import the offline engine, tools, tests or policy pack.",
            },
          ],
        },
      ],
    },
  },
  {
    // chai's property assertions (`expect(x).to.be.true`) read as unused expressions, and resource
    // inputs under mocks are untyped by nature.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-expressions": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      // An assertion in a promise nobody awaits fails as a timeout, or not at all: `void` too.
      "@typescript-eslint/no-floating-promises": ["error", { ignoreVoid: false }],
    },
  },
  {
    // A test that catches the error it expects passes when the code stops throwing.
    files: ["test/**/*.test.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "TryStatement[handler]",
          message:
            "No try/catch in tests: expect(fn).to.throw(), or thrown(fn) / rejection(promise) from test/helpers/errors.ts (try/finally for cleanup is fine).",
        },
      ],
    },
  },
);
