import { test, expect, codeFetched, waitForHydration, WEBVIEW_PROBLEM } from "./fixtures";

test.describe("the public home page", () => {
  test("shows the platform, both open collection windows, notices and schools", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1, name: "市南区义务教育招生平台" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "信息采集开放时间" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "小学一年级入学报名" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "转学申请" })).toBeVisible();
    await expect(page.getByText("开放中")).toHaveCount(2);
    await expect(page.getByText("海滨路小学")).toBeVisible();
    await waitForHydration(page);

    // Notices open and close with the native disclosure widget.
    const notice = page.getByText("报名材料对照表");
    await notice.click();
    await expect(page.getByText("不要上传缩略图", { exact: false })).toBeVisible();
  });

  test("loads no code, switches language and remembers it", async ({ page }) => {
    // The page is complete as the server sends it: a phone fetches no application code.
    const code = codeFetched(page);
    await page.goto("/");
    await waitForHydration(page);
    await page.getByRole("link", { name: "English" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Shinan District School Enrollment Platform" })).toBeVisible();
    await expect(page.getByText("Open", { exact: true })).toHaveCount(2);
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    expect(code, `code fetched: ${code.join(", ")}`).toEqual([]);

    await page.reload();
    await expect(page.getByRole("heading", { level: 1, name: "Shinan District School Enrollment Platform" })).toBeVisible();
    await page.getByRole("link", { name: "中文" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "市南区义务教育招生平台" })).toBeVisible();
  });

  test("a page with the whole application switches language in place once hydrated", async ({ page }) => {
    await page.goto("/staff/sign-in");
    await waitForHydration(page);
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    await page.getByRole("link", { name: "English" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Staff sign-in" })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    // The switch ran in the page, not through a reload.
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  });

  test("the language switch works before the app is interactive", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto("/");
    await page.getByRole("link", { name: "English" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Shinan District School Enrollment Platform" })).toBeVisible();
    await context.close();
  });

  test("fits the screen without sideways scrolling", async ({ page }) => {
    await page.goto("/");
    await waitForHydration(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  test("a narrow 360 px phone still shows everything", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto("/");
    await waitForHydration(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const switchBox = await page.getByRole("link", { name: "English" }).boundingBox();
    expect(switchBox?.height ?? 0).toBeGreaterThanOrEqual(44);
  });

  test("an unknown address shows a page with the way home", async ({ page }) => {
    const response = await page.goto("/no-such-page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "没有找到这个页面" })).toBeVisible();
    await waitForHydration(page);
    await page.getByRole("link", { name: "返回首页" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "市南区义务教育招生平台" })).toBeVisible();
  });
  test("a new window on a parents' page fails the journey (the host app's webview has none)", async ({ page, consoleProblems }) => {
    await page.goto("/materials");
    await waitForHydration(page);
    await page.evaluate(() => {
      const link = document.createElement("a");
      link.href = "/";
      link.target = "_blank";
      link.textContent = "new window";
      link.id = "new-window";
      document.body.append(link);
    });
    // The guard names it, and takes the target away so that the link stays in the page.
    await expect.poll(() => consoleProblems.filter((p) => p.includes(WEBVIEW_PROBLEM)).length).toBe(1);
    expect(consoleProblems[0]).toContain("target=_blank (/) on /materials");
    await expect(page.locator("#new-window")).not.toHaveAttribute("target", "_blank");
    await page.evaluate(() => window.open("about:blank"));
    await expect.poll(() => consoleProblems.filter((p) => p.includes("window.open(about:blank)")).length).toBe(1);
    // Caught as it should be: what the fixture would fail on is cleared here.
    consoleProblems.splice(0);
  });
});
