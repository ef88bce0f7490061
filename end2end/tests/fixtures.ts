import { test as base, expect, Browser, BrowserContext, Page } from "@playwright/test";

/** Marks the console messages that report a CSP violation. */
export const CSP_VIOLATION = "CSP violation:";

/**
 * Runs in every page before its own scripts (and before the server's HTML is parsed): each
 * Content-Security-Policy violation (an inline `style` attribute, a script without the
 * nonce…) becomes a console error, which the journey's console check then fails on.
 */
function reportCspViolations(prefix: string) {
  document.addEventListener(
    "securitypolicyviolation",
    (e) => {
      console.error(
        `${prefix} ${e.effectiveDirective || e.violatedDirective} ${e.blockedURI || "(inline)"}` +
          ` at ${e.sourceFile || document.location.href}:${e.lineNumber}${e.sample ? ` sample: ${e.sample}` : ""}`,
      );
    },
    true,
  );
}

/** Marks the console messages that report what a host app's webview cannot do. */
export const WEBVIEW_PROBLEM = "Webview problem:";

/**
 * Runs in every page: on a page parents use (anything but the staff's desktop pages and the
 * simulated host app itself), a new window — `window.open`, or a link or form that targets
 * a new one — becomes a console error. The host app's webview (爱山东) has no windows: such
 * a link does nothing there, or leaves the platform for good.
 */
function reportNewWindows(prefix: string) {
  const staff = /^\/(staff|review|admissions|point|bureau|dev)(\/|$)/;
  const parentsPage = () => !staff.test(location.pathname);
  const open = window.open;
  window.open = function (...args: Parameters<typeof window.open>) {
    if (parentsPage()) console.error(`${prefix} window.open(${String(args[0] ?? "")}) on ${location.pathname}`);
    return open.apply(window, args);
  } as typeof window.open;
  const check = () => {
    if (!parentsPage()) return;
    document.querySelectorAll("a[target], form[target], area[target]").forEach((element) => {
      const target = (element.getAttribute("target") || "").toLowerCase();
      if (target !== "" && target !== "_self" && target !== "_top" && target !== "_parent") {
        const where = element.getAttribute("href") || element.getAttribute("action") || element.tagName;
        console.error(`${prefix} target=${target} (${where}) on ${location.pathname}`);
        element.removeAttribute("target");
      }
    });
  };
  document.addEventListener("DOMContentLoaded", () => {
    check();
    new MutationObserver(check).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ["target"] });
  });
}

/**
 * Every journey fails on a console error or warning (hydration warnings included), an
 * uncaught exception, a Rust panic, a CSP violation, or a new window on a parents' page
 * (see `reportNewWindows`) on any of its pages (the test's own page, other tabs of its
 * context, and pages of contexts it opens, such as a reviewer's or a second parent's).
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
    async ({ page, browser, expectedFailures }, use) => {
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

      // The report script runs in every page of this context (this page's console is read
      // above) and of every context the journey opens (staff on their own desktop); on those
      // other pages, CSP violations fail the journey too.
      const watchOther = (other: Page) => {
        if (other === page) return;
        other.on("console", (message) => {
          if (message.text().startsWith(CSP_VIOLATION) || message.text().startsWith(WEBVIEW_PROBLEM)) {
            problems.push(`${message.type()} (${other.url()}): ${message.text()}`);
          }
        });
      };
      const guard = async (context: BrowserContext) => {
        await context.addInitScript(reportCspViolations, CSP_VIOLATION);
        await context.addInitScript(reportNewWindows, WEBVIEW_PROBLEM);
        context.pages().forEach(watchOther);
        context.on("page", watchOther);
      };
      await guard(page.context());
      const newContext = browser.newContext;
      browser.newContext = async function (this: Browser, ...args: Parameters<Browser["newContext"]>) {
        const context = await newContext.apply(this, args);
        await guard(context);
        return context;
      } as Browser["newContext"];
      try {
        await use(problems);
      } finally {
        browser.newContext = newContext;
      }
      expect(problems, "the browser console stays clean, with no CSP violation").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Waits until the wasm bundle has hydrated the page. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}
