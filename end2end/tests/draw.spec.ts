import { devices } from "@playwright/test";
import { test, expect, waitForHydration } from "./fixtures";
import { staffPage } from "./staff";
import { signInAsParent } from "./parent";

// The demo's 浮山湾小学 has 6 first-grade places and 9 children who passed review: twins and
// two more through 本区户籍，有房产, five through 本区户籍，无房产. A school's draw runs once, so
// the journey runs in one project; the parents are on phones of their own. Family n's parent
// signs in through the simulated host app as demo-draw-family-n; families 4 to 8 are the
// five children of tier 2, in this order.
const SCHOOL = "浮山湾小学";
const TIER_2 = ["韩沐阳", "唐可欣", "冯浩然", "曹语嫣", "邓嘉树"];

async function phoneOf(browser: import("@playwright/test").Browser, family: number) {
  const context = await browser.newContext({ ...devices["Pixel 7"], locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await context.newPage();
  await signInAsParent(page, `demo-draw-family-${family}`, "派位演示家长");
  return page;
}

test.describe("the draw", () => {
  test("the bureau publishes the list and runs the draw; a parent checks it on a phone; a declined place moves the waiting list up", async ({ browser }, testInfo) => {
    test.skip(testInfo.project.name !== "desktop", "a school's draw runs once: the desktop project runs it, with a phone for the parent");
    test.setTimeout(150_000);

    const admin = await staffPage(browser, "admin");
    await admin.goto("/admissions");
    await waitForHydration(admin);
    await admin.getByLabel("学校").selectOption({ label: SCHOOL });
    await admin.getByRole("button", { name: "查看" }).click();
    await waitForHydration(admin);
    await expect(admin.locator(".queue-count")).toContainText(`${SCHOOL} · `);
    await expect(admin.locator(".queue-count")).toContainText("审核通过 9 人");
    const panel = admin.locator("[data-draw-panel]");
    await expect(panel).toContainText("本校待录取 9 人，计划 6 人，超过计划");

    // Tiers: property and household first, household only second (as offered).
    await expect(panel.getByLabel("本区户籍，有房产")).toHaveValue("1");
    await expect(panel.getByLabel("本区户籍，无房产（随亲属居住或租房）")).toHaveValue("2");
    await panel.getByRole("button", { name: "公示名单并冻结" }).click();
    // Before it cannot be undone, the question says what the tiers will do with the places.
    await expect(admin.locator("[data-tier-effects] li")).toHaveText([
      "第 1 顺位（本区户籍，有房产）4 人：全部录取",
      "第 2 顺位（本区户籍，无房产（随亲属居住或租房））5 人：电脑派位争 2 个学位",
    ]);
    await admin.locator('[data-confirm="commit-draw"]').click();
    await expect(panel).toContainText("名单已公示并冻结：9 人参加，计划 6 人，等待派位。");
    // Hand decisions are gone: the draw decides.
    await expect(admin.getByRole("button", { name: "保存录取决定" })).toBeHidden();
    await expect(admin.locator("tr[data-candidate]").first()).toContainText("等待派位");
    const publicPath = await panel.getByRole("link", { name: "查看派位公示页" }).getAttribute("href");
    expect(publicPath).toMatch(/^\/draws\/\d+$/);

    // A parent opens the public page on their phone, signed in nowhere: the frozen list.
    const phone = await browser.newContext({ ...devices["Pixel 7"], locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const parent = await phone.newPage();
    await parent.goto(publicPath!);
    await waitForHydration(parent);
    await expect(parent.getByRole("heading", { level: 1 })).toHaveText(new RegExp(`^${SCHOOL}电脑派位（\\d{4} 学年小学一年级入学报名）$`));
    await expect(parent.locator("[data-draw-state]")).toContainText("等待现场派位");
    // When it was frozen, as people write it.
    await expect(parent.locator("[data-draw-state]")).toContainText(/名单已于 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} 公示并冻结/);
    const tier1 = parent.locator('[data-tier="1"]');
    await expect(tier1.getByRole("heading")).toHaveText("第 1 顺位：本区户籍，有房产（4 人）");
    // A family reading in English reads the tiers in English too (the entries' English names).
    const abroad = await browser.newContext({ ...devices["Pixel 7"], locale: "en-US", timezoneId: "Asia/Shanghai" });
    const reader = await abroad.newPage();
    await reader.goto(publicPath!);
    await waitForHydration(reader);
    await reader.getByRole("link", { name: "English" }).click();
    await expect(reader.locator('[data-tier="1"]').getByRole("heading")).toHaveText("Tier 1: Household registered here, with property (4 children)");
    await expect(reader.getByRole("heading", { level: 1 })).toHaveText(/^Draw for .+ \(First-grade enrollment, \d{4} school year\)$/);
    await abroad.close();
    const twins = tier1.locator("li").filter({ hasText: "多胞胎捆绑" });
    await expect(twins).toHaveCount(1);
    await expect(twins.locator(".reference")).toHaveText(/^\d{4}E9000\d{4} \+ \d{4}E9000\d{4}$/);
    await expect(parent.locator('[data-tier="2"] li')).toHaveCount(5);
    const fingerprint = (await parent.locator("[data-fingerprint]").textContent())!.trim();
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    // Nothing to check before the draw.
    await expect(parent.getByRole("button", { name: "在本机重新计算并核验" })).toHaveCount(0);

    // The draw, with the number the notary drew.
    const value = admin.getByLabel("现场公开数值");
    await expect(admin.getByRole("button", { name: "开始派位" })).toBeDisabled();
    await value.fill("40517");
    await admin.getByRole("button", { name: "开始派位" }).click();
    await expect(admin.locator("#draw-run-question")).toContainText("用公开数值“40517”派位？");
    await admin.locator('[data-confirm="run-draw"]').click();
    await expect(panel).toContainText("已派位：9 人参加，计划 6 人。");
    // Running it again is not offered.
    await expect(admin.getByLabel("现场公开数值")).toHaveCount(0);
    const rows = admin.locator("tr[data-candidate]");
    await expect(rows.filter({ hasText: "未派中（候补）" })).toHaveCount(3);
    await expect(rows.filter({ hasText: "派位录取" })).toHaveCount(6);

    // The parent reloads: the secret, the public value, the order; tier 1 all admitted.
    await parent.reload();
    await waitForHydration(parent);
    await expect(parent.locator("[data-draw-state]")).toContainText("已完成派位");
    await expect(parent.locator("[data-public-value]")).toHaveText("40517");
    await expect(parent.locator("[data-revealed]")).toContainText(/派位时间\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
    await expect(parent.locator("[data-fingerprint]")).toHaveText(fingerprint);
    await expect(parent.getByRole("heading", { name: "第 2 顺位起的派位顺序" })).toBeVisible();
    await expect(parent.locator("[data-admitted]")).toHaveText("录取 6 人，候补 3 人。");
    await expect(tier1.locator("li").filter({ hasText: "录取" })).toHaveCount(3);
    await expect(parent.locator('[data-tier="2"] li').filter({ hasText: "候补第" })).toHaveCount(3);

    const firstWaiting = (await parent.locator('[data-tier="2"] li').filter({ hasText: "候补第 1 位" }).locator(".reference").textContent())!.trim();

    // Checked on the phone, by the same code the server ran.
    await parent.getByRole("button", { name: "在本机重新计算并核验" }).click();
    await expect(parent.locator('[data-verdict="matches"]')).toContainText("核验一致");

    // A record whose admitted and waiting were swapped on the way does not check.
    await parent.route("**/record.json", async (route) => {
      const response = await route.fetch();
      const record = await response.json();
      const last = record.admitted.pop();
      record.admitted.push(record.waiting.shift());
      record.waiting.unshift(last);
      await route.fulfill({ response, json: record });
    });
    await parent.reload();
    await waitForHydration(parent);
    await parent.getByRole("button", { name: "在本机重新计算并核验" }).click();
    const differs = parent.locator('[data-verdict="differs"]');
    await expect(differs).toContainText("核验不一致");
    await expect(differs).toContainText("admitted");

    // The results are published: each admitted family is asked to accept its place.
    await admin.getByRole("button", { name: "安排公布" }).click();
    await admin.locator('[data-confirm="publish"]').click();
    await expect(rows.filter({ hasText: "待家长确认" })).toHaveCount(6);
    // Times as people write them, on the bureau's page as on the parents' (not 2027-07-15 17:00).
    const written = String.raw`\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}`;
    await expect(rows.filter({ hasText: "待家长确认" }).first()).toContainText(new RegExp(`待家长确认（${written} 截止）`));
    await expect(admin.locator('[data-published="true"]')).toHaveText(new RegExp(`^已于 ${written} 公布$`));
    await expect(rows.filter({ hasText: "未录取" })).toHaveCount(3);
    const texts = await rows.allTextContents();
    const declining = TIER_2.find((name) => texts.some((t) => t.includes(name) && t.includes("已录取")))!;
    const movingUp = (await admin.locator(`tr[data-candidate="${firstWaiting}"] td`).nth(1).textContent())!.trim();
    expect(TIER_2).toContain(movingUp);

    // One admitted family declines on their phone: the place is gone from them at once.
    const decliner = await phoneOf(browser, 4 + TIER_2.indexOf(declining));
    await expect(decliner.locator("[data-messages]")).toContainText(`经电脑派位，已被${SCHOOL}录取`);
    await expect(decliner.locator("[data-messages]")).toContainText(new RegExp(`请在 ${written} 前登录平台确认接受学位`));
    await decliner.locator("li.card").filter({ hasText: declining }).getByRole("link", { name: "查看" }).click();
    await waitForHydration(decliner);
    // The registration names its draw with the fingerprint published before it.
    await expect(decliner.locator("[data-draw-link] [data-fingerprint]")).toHaveText(fingerprint);
    const offer = decliner.locator('[data-offer="open"]');
    // The deadline as the parent writes dates: 2027年7月15日 17:00, not 2027-07-15 17:00.
    await expect(offer).toContainText(new RegExp(`孩子已获得${SCHOOL}的学位。请在 \\d{4}年\\d{1,2}月\\d{1,2}日 \\d{2}:\\d{2} 前确认`));
    await offer.getByRole("button", { name: "放弃学位" }).click();
    // Asked on a page of its own: what giving it up means, and the way back.
    await expect(decliner.getByRole("heading", { level: 1, name: "确定放弃这个学位吗？" })).toBeVisible();
    await expect(decliner.getByText("放弃后不能恢复，学位会立即让给候补名单上的下一位。")).toBeVisible();
    await decliner.getByRole("button", { name: "确定放弃学位" }).click();
    await expect(decliner.locator('[data-field="state"]')).toHaveText("已放弃学位");
    await expect(decliner.locator('[data-field="offer-answer"]')).toHaveText(new RegExp(`^已放弃学位 · ${written}$`));
    await expect(decliner.locator('[data-event="place_declined"]')).toBeVisible();

    // The first on the waiting list is offered the place, told by message, and accepts it.
    const movedUp = await phoneOf(browser, 4 + TIER_2.indexOf(movingUp));
    await expect(movedUp.locator("[data-messages]")).toContainText("候补递补");
    await movedUp.locator("li.card").filter({ hasText: movingUp }).getByRole("link", { name: "查看" }).click();
    await waitForHydration(movedUp);
    await expect(movedUp.locator('[data-event="place_offered"]')).toContainText("候补递补：获得学位，请确认");
    await movedUp.locator('[data-offer="open"]').getByRole("button", { name: "接受学位" }).click();
    await expect(movedUp.locator('[data-field="offer-answer"]')).toContainText("已接受学位");
    await expect(movedUp.locator('[data-field="state"]')).toHaveText("已录取");

    // The bureau sees where every offer stands.
    await admin.reload();
    await waitForHydration(admin);
    await expect(rows.filter({ hasText: declining })).toContainText("已放弃学位");
    await expect(rows.filter({ hasText: movingUp })).toContainText("已接受学位");
    await expect(rows.filter({ hasText: "待家长确认" })).toHaveCount(5);

    await decliner.context().close();
    await movedUp.context().close();
    await phone.close();
    await admin.context().close();
  });
});
