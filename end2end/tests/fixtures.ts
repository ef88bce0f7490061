import { test as base, expect, Browser, BrowserContext, Locator, Page, TestInfo } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

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
 * Accessibility: every page a journey visits is scanned by axe-core (WCAG 2.0–2.2 A and AA
 * rules and axe's best practices) once per address, when the journey first acts on it
 * (a click, a fill… on a locator: the element it waits for is there, so the page has
 * rendered), before it leaves it for another address, and at the end of the journey. Serious
 * and critical violations fail the journey; moderate and minor ones are listed in the report.
 */
class AccessibilityScans {
  private scanned = new WeakMap<Page, Set<string>>();
  private pages = new Set<Page>();
  readonly failures: string[] = [];
  readonly notes: string[] = [];

  constructor(private testInfo: TestInfo) {}

  /** The simulated host app and blank pages are not the platform's. */
  private static address(page: Page): string | null {
    const url = page.url();
    if (!url.startsWith("http")) return null;
    const { pathname, search } = new URL(url);
    if (pathname.startsWith("/dev/")) return null;
    return pathname + search;
  }

  async scan(page: Page) {
    if (page.isClosed()) return;
    const address = AccessibilityScans.address(page);
    if (address === null) return;
    const done = this.scanned.get(page) ?? new Set<string>();
    this.scanned.set(page, done);
    this.pages.add(page);
    if (done.has(address)) return;
    done.add(address);
    let results;
    try {
      results = await new AxeBuilder({ page })
        .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
        .setLegacyMode(true)
        .analyze();
    } catch (error) {
      // The page navigated during the scan: it is scanned again at its next address.
      if (page.isClosed() || AccessibilityScans.address(page) !== address) return;
      // A journey without JavaScript (the page before it is interactive): axe cannot run.
      if (String(error).includes("Frame cannot run scripts")) return;
      throw error;
    }
    for (const violation of results.violations) {
      const where = violation.nodes
        .slice(0, 3)
        .map((node) => `${node.target.join(" ")}${node.failureSummary ? ` (${node.failureSummary.replace(/\s+/g, " ")})` : ""}`)
        .join("; ");
      const line = `${address} [${this.testInfo.project.name}] ${violation.impact} ${violation.id}: ${violation.help} — ${violation.nodes.length} element(s): ${where}`;
      if (violation.impact === "serious" || violation.impact === "critical") this.failures.push(line);
      else this.notes.push(line);
    }
  }

  /** The last address of every page the journey used. */
  async finish() {
    for (const page of this.pages) await this.scan(page);
  }
}

let currentScans: AccessibilityScans | null = null;

/** Wraps the locator actions and `page.goto` once, so that pages are scanned as the journey reaches them. */
function watchActions(page: Page) {
  const locatorPrototype = Object.getPrototypeOf(page.locator("html")) as Record<string, unknown>;
  if (locatorPrototype.__ruxueScans) return;
  locatorPrototype.__ruxueScans = true;
  const actions = [
    "click", "dblclick", "tap", "fill", "press", "pressSequentially", "type", "check", "uncheck",
    "setChecked", "selectOption", "setInputFiles", "focus", "hover",
  ];
  for (const name of actions) {
    const original = locatorPrototype[name] as (...args: unknown[]) => Promise<unknown>;
    locatorPrototype[name] = async function (this: Locator, ...args: unknown[]) {
      const scans = currentScans;
      if (scans) {
        await this.waitFor({ state: "attached" }).catch(() => undefined);
        await scans.scan(this.page());
      }
      return original.apply(this, args);
    };
  }
  const pagePrototype = Object.getPrototypeOf(page) as Record<string, unknown>;
  const goto = pagePrototype.goto as (...args: unknown[]) => Promise<unknown>;
  pagePrototype.goto = async function (this: Page, ...args: unknown[]) {
    if (currentScans) await currentScans.scan(this);
    return goto.apply(this, args);
  };
}

/**
 * Every journey fails on a console error or warning (hydration warnings included), an
 * uncaught exception, a Rust panic, a CSP violation, or a new window on a parents' page
 * (see `reportNewWindows`) on any of its pages (the test's own page, other tabs of its
 * context, and pages of contexts it opens, such as a reviewer's or a second parent's).
 */
export const test = base.extend<{
  consoleProblems: string[];
  expectedFailures: string[];
  accessibility: AccessibilityScans;
}>({
  accessibility: [
    async ({ page }, use, testInfo) => {
      watchActions(page);
      const scans = new AccessibilityScans(testInfo);
      currentScans = scans;
      try {
        await use(scans);
        await scans.finish();
      } finally {
        currentScans = null;
      }
      for (const note of scans.notes) testInfo.annotations.push({ type: "axe (moderate or minor)", description: note });
      expect(scans.failures, "axe finds no serious or critical accessibility violation").toEqual([]);
    },
    { auto: true },
  ],
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

/** The paths of the code (`.js`, `.wasm`) the page fetches from now on, as they come. */
export function codeFetched(page: Page, pattern: RegExp = /\.(wasm|js)$/): string[] {
  const paths: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (pattern.test(path)) paths.push(path);
  });
  return paths;
}

/** Whether `second` stands apart from `first`: after it on the line with a gap, or below it. */
export async function standApart(first: Locator, second: Locator): Promise<boolean> {
  const a = (await first.boundingBox())!;
  const b = (await second.boundingBox())!;
  return b.x >= a.x + a.width + 4 || b.y >= a.y + a.height + 4;
}

/** Waits until the wasm bundle has hydrated the page. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}
