import { Locator, Page } from "@playwright/test";
import { test, expect, waitForHydration } from "./fixtures";
import { childId, openFromHostApp, signInAsParent, startRegistration, submitRegistration, uniqueSeq } from "./parent";
import { staffPage } from "./staff";

/** What has the focus, as a person would name it: its tag and its text or label. */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    if (!e || e === document.body) return "(nothing)";
    const name = e.getAttribute("aria-label") || (e as HTMLInputElement).labels?.[0]?.textContent || e.textContent || "";
    return `${e.tagName.toLowerCase()} ${name.trim().replace(/\s+/g, " ").slice(0, 40)}`;
  });
}

/** Presses Tab (or Shift+Tab) until `target` has the focus, as a keyboard user does; fails after `most` presses. */
async function tabTo(page: Page, target: Locator, backwards = false, most = 80) {
  for (let i = 0; i < most; i++) {
    if (await target.evaluate((e) => e === document.activeElement).catch(() => false)) return;
    await page.keyboard.press(backwards ? "Shift+Tab" : "Tab");
  }
  await expect(target).toBeFocused();
}

/** The element's box lies wholly inside the window: nothing of it is cut off or off screen. */
async function expectOnScreen(page: Page, element: Locator) {
  const box = (await element.boundingBox())!;
  const view = page.viewportSize()!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(view.width + 0.5);
  expect(box.y + box.height).toBeLessThanOrEqual(view.height + 0.5);
}

test.describe("access: focus, dialogs and the back button", () => {
  test("deleting is asked on a page of its own: 取消 and the back button change nothing, 确定删除 deletes", async ({ page }, testInfo) => {
    await signInAsParent(page, `ask-${testInfo.project.name}-${Date.now()}`);
    await page.goto("/registrations");
    await waitForHydration(page);
    await startRegistration(page, childId("20200305", uniqueSeq(testInfo.project.name, 50)));
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    const overview = page.url();
    await waitForHydration(page);

    // The question, what follows from it, and the two ways on, whole on the screen.
    const opener = page.getByRole("button", { name: "删除报名" });
    const question = page.getByRole("heading", { level: 1, name: "确定删除这条报名吗？" });
    await opener.click();
    await expect(question).toBeVisible();
    await expect(page.getByText("删除后已填写的信息将不再显示，孩子的身份证号可以重新报名。")).toBeVisible();
    await expectOnScreen(page, page.getByRole("button", { name: "确定删除" }));
    await expectOnScreen(page, page.getByRole("link", { name: "取消" }));

    // 取消: back on the task list, nothing changed.
    await page.getByRole("link", { name: "取消" }).click();
    await expect(page).toHaveURL(overview);
    await expect(page.getByRole("heading", { level: 1, name: "报名信息" })).toBeVisible();
    // The phone's back button does the same.
    await opener.click();
    await expect(question).toBeVisible();
    await page.goBack();
    await expect(page).toHaveURL(overview);
    await expect(opener).toBeVisible();

    // 确定删除 on a slow morning: while the answer is on its way the button says it is
    // deleting (seen by an observer on the page, which also presses it again: a browser
    // waiting for the next page lets no test look), and the second press sends nothing
    // more. Then the parent's list, without it.
    await opener.click();
    await expect(question).toBeVisible();
    let posts = 0;
    await page.route("**/api/delete_registration", async (route) => {
      posts += 1;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    const seen: string[] = [];
    await page.exposeFunction("sawTheButton", (shown: string) => seen.push(shown));
    await page.evaluate(() => {
      const button = [...document.querySelectorAll("button")].find((b) => b.textContent?.trim() === "确定删除")!;
      new MutationObserver(() => {
        (window as unknown as { sawTheButton: (shown: string) => void }).sawTheButton(`${button.textContent?.trim()} ${button.getAttribute("aria-busy")}`);
        button.click();
      }).observe(button, { childList: true, subtree: true, characterData: true, attributes: true });
    });
    await page.getByRole("button", { name: "确定删除" }).click();
    await expect(page).toHaveURL(/\/registrations$/);
    expect(seen).toContain("正在删除… true");
    expect(posts).toBe(1);
    await expect(page.getByText("您还没有报名记录。")).toBeVisible();
  });

  test("a dialog takes the focus, keeps Tab inside, closes on Escape and on the back button, and gives the focus back", async ({ page, browser }, testInfo) => {
    test.skip(testInfo.project.name === "phone", "dialogs are on the staff's desktop pages");
    await signInAsParent(page, `dialog-${testInfo.project.name}-${Date.now()}`);
    const registration = await submitRegistration(page, childId("20200305", uniqueSeq(testInfo.project.name, 62)), "郑对话");
    const id = registration.split("/").pop();

    const reviewer = await staffPage(browser, "reviewer.sn1");
    await reviewer.goto(`/review/${id}`);
    await waitForHydration(reviewer);
    const detail = reviewer.url();
    const opener = reviewer.getByRole("button", { name: "初审通过" });
    const dialog = reviewer.getByRole("alertdialog");
    await opener.click();
    await expect(dialog).toContainText("确定初审通过？");
    // Over the page, whole on the screen, with the focus on the way out that changes nothing.
    await expectOnScreen(reviewer, dialog);
    await expect(dialog.getByRole("button", { name: "取消" })).toBeFocused();
    // Tab and Shift+Tab go round the dialog's two buttons and never leave it.
    await reviewer.keyboard.press("Tab");
    expect(await focused(reviewer)).toBe("button 初审通过");
    await reviewer.keyboard.press("Tab");
    expect(await focused(reviewer)).toBe("button 取消");
    await reviewer.keyboard.press("Shift+Tab");
    await reviewer.keyboard.press("Shift+Tab");
    expect(await focused(reviewer)).toBe("button 取消");
    // Escape closes it; the focus is back on the button that opened it.
    await reviewer.keyboard.press("Escape");
    await expect(dialog).toHaveCount(0);
    await expect(opener).toBeFocused();

    // The back button (history back) closes the dialog and stays on the page.
    await opener.click();
    await expect(dialog).toBeVisible();
    await reviewer.goBack();
    await expect(dialog).toHaveCount(0);
    expect(reviewer.url()).toBe(detail);
    await expect(reviewer.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(opener).toBeVisible();
    // Cancelled by its button, the dialog leaves no step behind: back leaves the page at once.
    await opener.click();
    await dialog.getByRole("button", { name: "取消" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(opener).toBeFocused();
    await reviewer.goBack();
    await expect(reviewer).not.toHaveURL(detail);
  });

  test("a failed save-and-continue puts the focus on the list of problems, and Tab goes on to its links", async ({ page }, testInfo) => {
    // Parent pages arrive as page loads (the focus starts at the top, as on any site); the
    // staff's moves within the application hand it to each new page's heading (the
    // keyboard journey below).
    await signInAsParent(page, `focus-${testInfo.project.name}-${Date.now()}`);
    await startRegistration(page, childId("20200306", uniqueSeq(testInfo.project.name, 51)));
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    await page.getByRole("link", { name: "儿童基本信息" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "儿童基本信息" })).toBeVisible();
    await waitForHydration(page);

    await page.getByLabel("儿童姓名").fill("");
    await page.getByRole("button", { name: "保存并继续" }).click();
    const summary = page.locator(".error-summary");
    await expect(summary).toBeFocused();
    await expect(summary).toContainText("请修改以下问题");
    await expectOnScreen(page, summary.getByRole("heading"));
    // Tab goes on from the list, to its first link to a field.
    await page.keyboard.press("Tab");
    expect(await focused(page)).toMatch(/^a /);
    expect(await page.evaluate(() => !!document.activeElement?.closest(".error-summary"))).toBe(true);
  });

  test("a parent whose sign-in expired inside the host app is sent back through it, to the same page", async ({ page, context }, testInfo) => {
    const subject = `expired-${testInfo.project.name}-${Date.now()}`;
    await signInAsParent(page, subject);
    await startRegistration(page, childId("20200307", uniqueSeq(testInfo.project.name, 52)));
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    const overview = page.url();
    await waitForHydration(page);

    // The session ends (expired on the server, or its cookie gone): the page says what to do.
    await context.clearCookies();
    await page.reload();
    await expect(page.getByRole("heading", { level: 1, name: "请先登录" })).toBeVisible();
    await expect(page.getByRole("status")).toContainText("请从爱山东重新进入本平台");
    await expect(page.getByRole("status")).toContainText("已保存的内容不会丢失");
    // The way on is the host app, never the staff's sign-in.
    const again = page.getByRole("link", { name: "重新进入" });
    await expect(again).toHaveAttribute("href", "/dev/host-app");
    await again.click();
    await expect(page).toHaveURL(/\/dev\/host-app/);
    await openFromHostApp(page, subject);
    await expect(page).toHaveURL(overview);
    await expect(page.getByRole("button", { name: "删除报名" })).toBeVisible();
  });
});

test.describe("access: a reviewer by keyboard alone", () => {
  test("queue → open → zoom a photo → ask for changes → next, without a mouse", async ({ page, browser }, testInfo) => {
    test.skip(testInfo.project.name === "phone", "reviewers work on desktops");
    test.setTimeout(150_000);
    // A family sends two children's registrations (set up with the mouse: not the subject).
    await signInAsParent(page, `keyboard-${Date.now()}`);
    const names = ["吴键甲", "吴键乙"];
    for (const [i, name] of names.entries()) {
      await submitRegistration(page, childId("20200308", uniqueSeq(testInfo.project.name, 53 + i)), name);
    }

    const reviewer = await staffPage(browser, "reviewer.sn1");
    await reviewer.goto("/review?q=%E5%90%B4%E9%94%AE");
    await waitForHydration(reviewer);
    const rows = reviewer.locator("tr[data-queue-row]");
    await expect(rows).toHaveCount(2);
    const firstRow = (await rows.first().textContent()) ?? "";
    const first = names.find((name) => firstRow.includes(name))!;
    expect(first).toBeDefined();

    // Enter on a link or a button is that control's: on 筛选 it filters again, and the
    // queue stays (before, it also opened the row under the cursor).
    await reviewer.getByRole("button", { name: "筛选" }).focus();
    await reviewer.keyboard.press("Enter");
    await expect(reviewer.getByRole("heading", { level: 1 })).toContainText("报名审核");
    await expect(rows).toHaveCount(2);
    await expect(reviewer).toHaveURL(/\/review\?/);
    await waitForHydration(reviewer);
    await reviewer.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

    // On a screen too short for the list, j brings the row under the cursor into view, and
    // k takes it back (before, the cursor moved below the screen's edge out of sight).
    const size = reviewer.viewportSize()!;
    await reviewer.setViewportSize({ width: size.width, height: 240 });
    await reviewer.evaluate(() => window.scrollTo(0, 0));
    const current = reviewer.locator("tr.row-current");
    await reviewer.keyboard.press("j");
    await expect(current).toContainText(names.find((name) => name !== first)!);
    await expect(current).toBeInViewport({ ratio: 1 });
    await reviewer.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await reviewer.keyboard.press("k");
    await expect(current).toContainText(first);
    await expect(current).toBeInViewport({ ratio: 1 });
    await reviewer.setViewportSize(size);

    // Enter opens the row under the cursor; the new page's heading has the focus.
    await reviewer.keyboard.press("Enter");
    const heading = reviewer.getByRole("heading", { level: 1 });
    await expect(heading).toContainText(first);
    await expect(heading).toBeFocused();
    await waitForHydration(reviewer);

    // Tab to the photo viewer; + zooms the photo on screen.
    const viewer = reviewer.locator(".viewer-stage");
    const photo = viewer.locator("img[data-viewer-photo]");
    await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const fitted = (await photo.boundingBox())!;
    await tabTo(reviewer, viewer);
    await reviewer.keyboard.press("+");
    await expect.poll(async () => (await photo.boundingBox())!.width).toBeGreaterThan(fitted.width * 1.15);

    // Back up to "ask for changes"; Enter opens the dialog with the focus on its first choice.
    await tabTo(reviewer, reviewer.getByRole("button", { name: "退回修改" }), true);
    await reviewer.keyboard.press("Enter");
    const dialog = reviewer.getByRole("alertdialog");
    await expect(dialog).toBeVisible();
    const firstChoice = dialog.getByRole("checkbox").first();
    await expect(firstChoice).toBeFocused();
    await reviewer.keyboard.press("Space");
    await expect(firstChoice).toBeChecked();
    await tabTo(reviewer, dialog.getByLabel("给家长的说明"));
    await reviewer.keyboard.type("请核对儿童姓名。");
    await tabTo(reviewer, dialog.getByRole("button", { name: "确定退回修改" }));
    await reviewer.keyboard.press("Enter");

    // Saved, said so, and the way to the next registration has the focus.
    await expect(reviewer.locator('[data-field="state"]')).toHaveText("学校要求修改");
    await expect(reviewer.getByRole("status").filter({ hasText: "审核结果已保存" })).toBeVisible();
    const onward = reviewer.getByRole("link", { name: "审核下一条 →" });
    await expect(onward).toBeFocused();
    await reviewer.keyboard.press("Enter");
    await expect(heading).not.toContainText(first);
    await expect(heading).toBeFocused();
    await expect(reviewer.getByRole("button", { name: "退回修改" })).toBeVisible();
  });
});
