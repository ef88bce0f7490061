import { test, expect, waitForHydration } from "./fixtures";
import { openFromHostApp } from "./parent";

test.describe("signing in", () => {
  test("a parent signs in through the host app, checks their details, signs out, and the back button shows nothing personal", async ({
    page,
  }, testInfo) => {
    // A person new to the platform, made in the simulated host app.
    await page.goto("/dev/host-app");
    await openFromHostApp(page, `e2e-${testInfo.project.name}-${Date.now()}`);

    await expect(page).toHaveURL(/\/me$/);
    await expect(page.getByRole("heading", { level: 1, name: "核对用户信息" })).toBeVisible();
    await expect(page.locator('[data-field="name"]')).toHaveText("张伟");
    await expect(page.locator('[data-field="id-number"]')).toHaveText("370202********0311");
    await expect(page.locator('[data-field="phone"]')).toHaveText("13800000001");
    await expect(page.getByText("请先在爱山东中更正实名信息", { exact: false })).toBeVisible();
    expect(await page.content()).not.toContain("370202198805120311");

    await waitForHydration(page);
    await page.getByRole("button", { name: "信息无误，继续" }).click();
    await expect(page.getByText("您已确认以上信息")).toBeVisible();

    // A draft kept on this phone (as a section form keeps one) is forgotten with the
    // sign-out, on a page that loads no code too: the next person on the phone finds nothing.
    await page.evaluate(() => localStorage.setItem("ruxue:draft:1:child", JSON.stringify({ child_name: "张小伟" })));
    await page.getByRole("button", { name: "退出登录" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { level: 1, name: "市南区义务教育招生平台" })).toBeVisible();
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("ruxue:")))).toEqual([]);

    await page.goBack();
    await expect(page).toHaveURL(/\/me$/);
    await expect(page.getByRole("heading", { name: "请先登录" })).toBeVisible();
    const html = await page.content();
    expect(html).not.toContain("张伟");
    expect(html).not.toContain("13800000001");
    expect(html).not.toContain("0311");
  });

  test("a person the host app has not verified is told what to do there", async ({ page }) => {
    await page.goto("/dev/host-app");
    await page.locator('[data-subject="demo-zhao-min"]').click();
    await expect(page).toHaveURL(/\/sign-in\/problem\?reason=not-verified$/);
    await expect(page.getByRole("alert")).toContainText("实人认证");
    await expect(page.getByRole("link", { name: "返回重新进入" })).toHaveAttribute("href", "/dev/host-app");
  });

  test("staff sign in with a password; a wrong one says so without saying which part", async ({
    page,
    expectedFailures,
  }) => {
    expectedFailures.push("/api/staff_sign_in");
    await page.goto("/staff/sign-in");
    await waitForHydration(page);
    await page.getByLabel("用户名").fill("reviewer.sn1");
    await page.getByLabel("密码").fill("wrong-password");
    await page.getByRole("button", { name: "登录" }).click();
    await expect(page.getByRole("alert")).toHaveText("用户名或密码不正确。");

    await page.getByLabel("密码").fill("ruxue-demo-2026");
    await page.getByRole("button", { name: "登录" }).click();
    await expect(page).toHaveURL(/\/staff$/);
    await expect(page.locator('[data-field="role"]')).toHaveText("学校审核员");
    await expect(page.locator('[data-field="place"]')).toHaveText("市南区第一实验小学");
    await page.getByRole("button", { name: "退出登录" }).click();
    await expect(page).toHaveURL(/\/staff\/sign-in$/);
  });
});
