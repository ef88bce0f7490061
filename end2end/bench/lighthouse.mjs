// Lighthouse (mobile: a mid-range phone on a slow 4G network, simulated) against pages of a
// running server, in Debian's Chromium. Reads {"pages": [[name, url], ...], "cookie": "..."}
// on stdin; prints one line of scores per page, then the lowest of each.
import lighthouse from "lighthouse";
import * as chromeLauncher from "chrome-launcher";

const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
const categories = ["performance", "accessibility", "best-practices"];
const lowest = Object.fromEntries(categories.map((c) => [c, 100]));
const pad = (text, width) => String(text).padEnd(width);
console.log("lighthouse (mobile, simulated slow 4G and 4x slower CPU), scores out of 100:");
console.log(`  ${pad("page", 18)}${pad("performance", 13)}${pad("accessibility", 15)}${pad("best-practices", 16)}below 95`);
try {
  for (const [name, url] of input.pages) {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: "json",
      logLevel: "error",
      onlyCategories: categories,
      extraHeaders: input.cookie ? { Cookie: input.cookie } : undefined,
    });
    const lhr = result.lhr;
    const score = (c) => Math.round((lhr.categories[c]?.score ?? 0) * 100);
    categories.forEach((c) => (lowest[c] = Math.min(lowest[c], score(c))));
    // What kept accessibility or best practices under 95: the audits that failed.
    const failing = ["accessibility", "best-practices"]
      .filter((c) => score(c) < 95)
      .flatMap((c) => lhr.categories[c].auditRefs.filter((r) => r.weight > 0 && lhr.audits[r.id].score !== null && lhr.audits[r.id].score < 1).map((r) => r.id));
    // What kept performance under 95: the metrics (FCP, LCP, TBT, CLS, speed index).
    if (score("performance") < 95) {
      const metric = (id) => `${id.split("-").map((w) => w[0]).join("").toUpperCase()} ${lhr.audits[id]?.displayValue ?? "?"}`;
      failing.push(["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift", "speed-index"].map(metric).join(" "));
    }
    const problem = lhr.runtimeError ? ` runtime error: ${lhr.runtimeError.code} ${lhr.runtimeError.message}` : "";
    const landed = lhr.finalDisplayedUrl === url ? "" : ` (landed on ${lhr.finalDisplayedUrl})`;
    console.log(`  ${pad(name, 18)}${pad(score("performance"), 13)}${pad(score("accessibility"), 15)}${pad(score("best-practices"), 16)}${failing.join(", ")}${landed}${problem}`);
  }
  console.log(`  ${pad("lowest", 18)}${pad(lowest.performance, 13)}${pad(lowest.accessibility, 15)}${pad(lowest["best-practices"], 16)}`);
} finally {
  await chrome.kill();
}
