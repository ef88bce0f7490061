import { test as base, expect, Page } from "@playwright/test";

/**
 * Every journey fails on a console error or warning (hydration warnings included), an
 * uncaught exception or a Rust panic.
 */
export const test = base.extend<{ consoleProblems: string[]; expectedFailures: string[] }>({
  /** Paths a journey expects to answer with an error status (a refused sign-in, say). */
  expectedFailures: [
    async ({}, use) => {
      await use([]);
    },
    { auto: true },
  ],
  consoleProblems: [
    async ({ page, expectedFailures }, use) => {
      const problems: string[] = [];
      // A page answered with an error status on purpose (a 404 page) is not a problem;
      // any other failed resource is.
      const documents = new Set<string>();
      page.on("response", (response) => {
        if (response.request().isNavigationRequest()) documents.add(response.url());
      });
      page.on("console", (message) => {
        const url = message.location().url;
        const failedLoad = message.text().startsWith("Failed to load resource");
        const expected =
          failedLoad && (documents.has(url) || expectedFailures.some((path) => url.includes(path)));
        if ((message.type() === "error" || message.type() === "warning") && !expected) {
          problems.push(`${message.type()}: ${message.text()}`);
        }
      });
      page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
      await use(problems);
      expect(problems, "the browser console stays clean").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Waits until the wasm bundle has hydrated the page. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}
