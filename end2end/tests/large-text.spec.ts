import { Page } from "@playwright/test";
import { test, expect, waitForHydration } from "./fixtures";
import { childId, fillAllSections, signInAsParent, startRegistration, uniqueSeq, uploadMissingDocuments } from "./parent";

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
      // A file input is drawn by its label (a button); the input itself is hidden.
      if (e.closest(".visually-hidden")) continue;
      const box = (e as HTMLElement).getBoundingClientRect();
      if (box.width > 0 && box.height < 44) found.push(`${e.tagName.toLowerCase()} "${(e.textContent || "").trim().slice(0, 20)}" ${box.height}px`);
    }
    return found;
  });
  expect(short, `${page.url()} has targets under 44 px`).toEqual([]);
}

/**
 * Nothing cut off: no visible element reaches past either side of the window, and no text
 * is clipped inside a box too narrow for it.
 */
async function expectNothingCutOff(page: Page) {
  const cut = await page.evaluate(() => {
    const found: string[] = [];
    for (const e of Array.from(document.querySelectorAll("main *, header *"))) {
      const el = e as HTMLElement;
      if (el.closest(".visually-hidden")) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const style = getComputedStyle(el);
      const clipped = (style.overflowX === "hidden" || style.overflowX === "clip") && el.scrollWidth > el.clientWidth + 1;
      if (box.left < -1 || box.right > window.innerWidth + 1 || clipped) {
        found.push(`${el.tagName.toLowerCase()}.${el.className} "${(el.textContent || "").trim().slice(0, 20)}" ${Math.round(box.left)}–${Math.round(box.right)} of ${window.innerWidth}`);
      }
    }
    return found;
  });
  expect(cut, `${page.url()} cuts something off`).toEqual([]);
}

test.describe("large text (长辈模式)", () => {
  test("at 200 % browser zoom in large text, a whole registration fits: nothing sideways, nothing cut off", async ({ browser }, testInfo) => {
    test.setTimeout(90_000);
    // A 1280 × 800 window zoomed to 200 %: 640 × 400 CSS pixels, two device pixels each.
    const context = await browser.newContext({ viewport: { width: 640, height: 400 }, deviceScaleFactor: 2, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const page = await context.newPage();
    const fits = async () => {
      await expectLargeAndFitting(page);
      await expectNothingCutOff(page);
    };
    await page.goto("/");
    await waitForHydration(page);
    await page.getByRole("link", { name: "大字" }).click();
    await expect(page.getByRole("link", { name: "标准字" })).toBeVisible();
    await fits();
    await page.goto("/catchment?q=香港花园");
    await waitForHydration(page);
    await expect(page.locator('[data-community="香港花园"]')).toContainText("市南区第一实验小学");
    await fits();

    await signInAsParent(page, `zoom-${testInfo.project.name}-${Date.now()}`);
    await fits();
    await page.goto("/registrations/new");
    await waitForHydration(page);
    await fits();
    await startRegistration(page, childId("20200309", uniqueSeq(testInfo.project.name, 55)));
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    const overview = page.url();
    await waitForHydration(page);
    await fits();
    await page.getByRole("link", { name: "儿童基本信息" }).click();
    await waitForHydration(page);
    await expect(page.getByLabel("儿童姓名")).toBeVisible();
    await fits();
    await page.goto(overview);
    await waitForHydration(page);
    await fillAllSections(page, "孙放大");
    await fits();
    await page.goto(`${overview}/documents`);
    await waitForHydration(page);
    await fits();
    // A document's photo: the button opens the phone's own picker, for several photos, from
    // the camera or the album (no capture attribute, which would allow the camera alone).
    const card = page.locator('article[data-status="missing"]').first();
    const [chooser] = await Promise.all([
      page.waitForEvent("filechooser"),
      card.getByText("拍照或从相册选择").click(),
    ]);
    expect(chooser.isMultiple()).toBe(true);
    expect(await chooser.element().getAttribute("accept")).toBe("image/*");
    expect(await chooser.element().getAttribute("capture")).toBeNull();
    // By keyboard the picker is reached with Tab, and the button shows it has the focus.
    await chooser.element().focus();
    const outline = await card.locator("label.file-button").first().evaluate((e) => getComputedStyle(e).outlineStyle);
    expect(outline).not.toBe("none");
    await page.goto(overview);
    await uploadMissingDocuments(page);
    await page.goto(`${overview}/documents`);
    await waitForHydration(page);
    await expect(page.locator("li[data-photo]").first()).toBeVisible();
    await fits();
    await page.goto(overview);
    await page.getByRole("link", { name: "信息确认并提交" }).click();
    await waitForHydration(page);
    await expect(page.getByRole("button", { name: "确认无误，提交" })).toBeVisible();
    await fits();
    await page.getByRole("button", { name: "确认无误，提交" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "报名信息已提交" })).toBeVisible();
    await fits();
    await context.close();
  });

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
