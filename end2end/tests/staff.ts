import { Browser, Page, test } from "@playwright/test";
import { expect, waitForHydration } from "./fixtures";

/** Signs `page` in as a demo member of staff, on the staff sign-in page. */
export async function signInAsStaff(page: Page, username: string) {
  await page.goto("/staff/sign-in");
  await waitForHydration(page);
  await page.getByLabel("用户名").fill(username);
  await page.getByLabel("密码").fill("ruxue-demo-2026");
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).toHaveURL(/\/staff$/);
}

/** A desktop page signed in as a demo member of staff. */
export async function staffPage(browser: Browser, username: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await context.newPage();
  await signInAsStaff(page, username);
  return page;
}

/** `YYYY-MM-DDTHH:MM` (a datetime-local value) one minute later. */
export function minuteAfter(local: string): string {
  return new Date(Date.parse(`${local}:00Z`) + 60_000).toISOString().slice(0, 16);
}

/** Sets a subsystem's collection close on the bureau's settings page, as an administrator does. */
async function saveClose(bureau: Page, subsystem: string, closes: string) {
  const form = bureau.locator(`[data-window="${subsystem}"]`);
  await form.getByLabel("采集结束").fill(closes);
  await form.getByRole("button", { name: "保存时间" }).click();
  // Ending an open window while families have drafts is asked first (whether other
  // journeys left drafts depends on their order).
  const question = bureau.getByRole("alertdialog");
  const saved = form.getByRole("status").filter({ hasText: "报名与审核时间已保存" });
  await expect(question.or(saved)).toBeVisible();
  if (await question.isVisible()) {
    await question.getByRole("button", { name: "确定现在结束" }).click();
  }
  await expect(saved).toBeVisible();
  await expect(form.getByLabel("采集结束")).toHaveValue(closes);
}

/**
 * Runs `body` while the subsystem's collection window is closed: the administrator sets it to
 * close a minute after it opened on the bureau's page, and sets it back afterwards. `body` gets
 * the closing time in the bureau's clock (`YYYY-MM-DDTHH:MM`).
 */
export async function withCollectionClosed(browser: Browser, subsystem: string, body: (closedAt: string) => Promise<void>) {
  // A staff sign-in and two saves on the bureau's page on top of the test's own steps: a test
  // cut off by its timeout inside `body` would leave the window closed for every test after it.
  test.setTimeout(test.info().timeout + 60_000);
  const bureau = await staffPage(browser, "admin");
  await bureau.goto("/bureau");
  await waitForHydration(bureau);
  const form = bureau.locator(`[data-window="${subsystem}"]`);
  const opens = await form.getByLabel("采集开始").inputValue();
  const closes = await form.getByLabel("采集结束").inputValue();
  expect(opens).not.toBe("");
  const closedAt = minuteAfter(opens);
  await saveClose(bureau, subsystem, closedAt);
  try {
    await body(closedAt);
  } finally {
    await bureau.reload();
    await waitForHydration(bureau);
    await saveClose(bureau, subsystem, closes);
    await bureau.context().close();
  }
}
