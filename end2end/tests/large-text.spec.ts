import { Page } from "@playwright/test";
import { test, expect, waitForHydration } from "./fixtures";
import { childId, signInAsParent, startRegistration, uniqueSeq } from "./parent";

/** The computed font size, in CSS pixels, of the first element `selector` finds. */
async function fontSize(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
}

/**
 * What a grandparent sees in large text on a 360 px phone: no text under 18 px among what is
 * shown, every link, button and field at least 44 px tall, and nothing to scroll sideways.
 */
async function expectLargeAndFitting(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${page.url()} scrolls sideways`).toBeLessThanOrEqual(0);
  const small = await page.evaluate(() => {
    const found: string[] = [];
    for (const e of Array.from(document.querySelectorAll("main *, header *"))) {
      const el = e as HTMLElement;
      const own = Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== "");
      const box = el.getBoundingClientRect();
      if (!own || box.width === 0 || box.height === 0 || el.closest(".visually-hidden")) continue;
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < 18) found.push(`${el.tagName.toLowerCase()} "${el.textContent!.trim().slice(0, 20)}" ${size}px`);
    }
    return found;
  });
  expect(small, `${page.url()} has text under 18 px`).toEqual([]);
  const short = await page.evaluate(() => {
    const found: string[] = [];
    for (const e of Array.from(document.querySelectorAll("main a.button, main button, header a, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), select"))) {
      const box = (e as HTMLElement).getBoundingClientRect();
      if (box.width > 0 && box.height < 44) found.push(`${e.tagName.toLowerCase()} "${(e.textContent || "").trim().slice(0, 20)}" ${box.height}px`);
    }
    return found;
  });
  expect(short, `${page.url()} has targets under 44 px`).toEqual([]);
}

test.describe("large text (长辈模式)", () => {
  test("one tap makes every page larger at 360 px, nothing sideways, and it is remembered", async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto("/");
    await waitForHydration(page);
    const standard = await fontSize(page, "body");
    expect(standard).toBeLessThan(18);

    await page.getByRole("link", { name: "大字" }).click();
    await expect(page.getByRole("link", { name: "标准字" })).toBeVisible();
    const large = await fontSize(page, "body");
    expect(large).toBeGreaterThanOrEqual(20);
    await expectLargeAndFitting(page);

    // Remembered: the server renders the next page large, before any script runs.
    await page.goto("/catchment?q=香港花园");
    expect(await fontSize(page, "body")).toBe(large);
    await waitForHydration(page);
    await expect(page.locator('[data-community="香港花园"]')).toContainText("市南区第一实验小学");
    await expectLargeAndFitting(page);

    // A parent's own pages: the list, the registration, a section form.
    await signInAsParent(page, `large-${testInfo.project.name}-${Date.now()}`);
    await expectLargeAndFitting(page);
    await startRegistration(page, childId("20200301", uniqueSeq(testInfo.project.name, 30)));
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    await waitForHydration(page);
    await expectLargeAndFitting(page);
    await page.getByRole("link", { name: "儿童基本信息" }).click();
    await waitForHydration(page);
    await expect(page.getByLabel("儿童姓名")).toBeVisible();
    await expectLargeAndFitting(page);

    // And back to standard in one tap.
    await page.getByRole("link", { name: "标准字" }).click();
    await expect(page.getByRole("link", { name: "大字" })).toBeVisible();
    expect(await fontSize(page, "body")).toBeLessThan(18);
  });

  test("the switch works before the page is interactive", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 }, locale: "zh-CN" });
    const page = await context.newPage();
    await page.goto("/catchment");
    await page.getByRole("link", { name: "大字" }).click();
    await expect(page).toHaveURL(/\/catchment$/);
    await expect(page.getByRole("link", { name: "标准字" })).toBeVisible();
    expect(await fontSize(page, "body")).toBeGreaterThanOrEqual(20);
    await context.close();
  });
});
