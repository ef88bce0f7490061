import { test, expect, waitForHydration } from "./fixtures";
import { childId, fillGuardianSection, signInAsParent, uniqueSeq, uploadMissingDocuments } from "./parent";
import { staffPage } from "./staff";

const SAVE_AND_CONTINUE = "保存并继续";
/** A time as an appointment is written: 2027年7月2日（星期五）09:00–11:30. */
const SLOT_TIME = /\d{4}年\d{1,2}月\d{1,2}日（星期[一二三四五六日]）\d{2}:\d{2}–\d{2}:\d{2}/;

test.describe("a migrant worker's family", () => {
  test("fills all six sections with the permit and work looked up, sends it, books a time, and is checked in", async ({ page, browser }, testInfo) => {
    test.setTimeout(180_000);
    // 王强 of the demo: his residence permit and employment are on record.
    await signInAsParent(page, `migrant-${testInfo.project.name}-${Date.now()}`, "王强", "13700000003", "411526198503040712");
    await page.goto("/registrations/new");
    await waitForHydration(page);
    await page.getByRole("radio", { name: "小学一年级入学报名" }).check();
    await page.getByLabel("进城务工人员随迁子女", { exact: false }).check();
    await page.getByLabel("报名学校").selectOption({ label: "市南区第一实验小学" });
    await page.getByLabel("儿童身份证号").fill(childId("20200311", uniqueSeq(testInfo.project.name, 59)));
    await page.getByRole("button", { name: "开始填写" }).click();
    await expect(page).toHaveURL(/\/registrations\/\d+$/);
    const registration = page.url();
    await expect(page.getByText("已完成 0/6")).toBeVisible();

    await page.getByRole("link", { name: "儿童基本信息" }).click();
    await waitForHydration(page);
    await page.getByRole("button", { name: "同意查询" }).click();
    await page.getByLabel("儿童姓名").fill("王小明");
    await page.getByLabel("民族").selectOption({ label: "汉族" });
    await page.getByLabel("联系电话").fill("13700000003");
    await page.getByRole("button", { name: SAVE_AND_CONTINUE }).click();
    await expect(page.getByRole("heading", { level: 1, name: "户籍信息" })).toBeVisible();
    await page.getByRole("radio", { name: "否" }).check();
    await page.getByLabel("户籍地址").fill("河南省固始县城关镇 12 号");
    await page.getByLabel("户主姓名").fill("王强");
    await page.getByLabel("户主与儿童关系").selectOption({ label: "父亲" });
    await page.getByRole("button", { name: SAVE_AND_CONTINUE }).click();
    await expect(page.getByRole("heading", { level: 1, name: "居住信息" })).toBeVisible();
    await page.getByRole("radio", { name: "租房" }).check();
    await page.getByLabel("实际居住地址").fill("市南区香港中路 10 号 2 单元 301");
    await page.getByLabel("出租人姓名").fill("赵敏");
    await page.getByRole("button", { name: SAVE_AND_CONTINUE }).click();
    await fillGuardianSection(page, "王强", "411526198503040712", "13700000003");

    // The residence permit is looked up by the guardian's number and fills in. On a slow
    // phone the page is drawn well before its code has loaded, and the father taps 保存并继续
    // at once: the tap is kept and acted on once the code runs (before, it did nothing), and
    // the answers it checks are the looked-up ones (before, a save sent before they joined
    // the page came back "请填写居住证号码" under a number already filled in).
    await page.route(/\/islands\/.*\.wasm$/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      // The page may have moved on meanwhile (the request then was given up).
      await route.continue().catch(() => undefined);
    });
    await page.getByRole("button", { name: SAVE_AND_CONTINUE }).click();
    await expect(page.getByRole("heading", { level: 1, name: "居住证信息" })).toBeVisible();
    await page.getByRole("button", { name: SAVE_AND_CONTINUE }).click();
    expect(await page.evaluate(() => document.documentElement.hasAttribute("data-hydrated")), "tapped before the code ran").toBe(false);
    await expect(page.getByRole("heading", { level: 1, name: "工作信息" })).toBeVisible();
    await page.unrouteAll({ behavior: "ignoreErrors" });
    await expect(page.locator('[data-prefilled="credit_code"]')).toHaveText("自动回填");
    await page.getByRole("button", { name: SAVE_AND_CONTINUE }).click();
    await expect(page.getByText("已完成 6/6")).toBeVisible();

    await uploadMissingDocuments(page);
    await page.getByRole("link", { name: "信息确认并提交" }).click();
    await waitForHydration(page);
    // The looked-up permit and employer are among the answers to check.
    await expect(page.getByText("370202202305100071")).toBeVisible();
    await expect(page.getByText("91370202MA3D67890T")).toBeVisible();
    await page.getByRole("button", { name: "确认无误，提交" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "报名信息已提交" })).toBeVisible();
    const reference = (await page.locator('[data-field="reference"]').first().textContent())!.trim();
    expect(reference).not.toBe("");

    // Sent, the receipt's first step is booking a time at the registration point: it leads
    // to the booking, where each time is written with its weekday.
    const step = page.locator('[data-next="appointment"]');
    await expect(step).toContainText("请预约现场登记时间。");
    await step.getByRole("link", { name: "去预约" }).click();
    await expect(page).toHaveURL(`${registration}#appointment-heading`);
    await waitForHydration(page);
    const panel = page.locator("[data-appointment]");
    await expect(panel.getByRole("heading", { name: "现场登记预约" })).toBeInViewport();
    await expect(panel.getByRole("heading", { name: "现场登记预约" })).toBeVisible();
    const first = panel.locator("li[data-slot]").first();
    await expect(first.locator(".slot-time")).toContainText(SLOT_TIME);
    const time = (await first.locator(".slot-time").textContent())!.match(SLOT_TIME)![0];
    await first.getByRole("button", { name: "预约" }).click();
    const booked = panel.locator("[data-booked]");
    await expect(booked).toContainText(`已预约：${time} 市南区入学报名服务点 · 市南区宁夏路 200 号教体局一楼`);
    // Where the parent pressed: the page comes back at the panel, the time booked in sight.
    await expect(page).toHaveURL(`${registration}#appointment-heading`);
    await expect(booked).toBeInViewport();
    // Cancelling is asked first, the time in view: kept, nothing changes; cancelled, the
    // panel comes back with the times to book again.
    await panel.getByRole("button", { name: "取消预约" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "确定取消预约吗？" })).toBeVisible();
    await expect(page.locator("[data-booked]")).toContainText(`您预约的时间：${time}`);
    await page.getByRole("link", { name: "保留预约" }).click();
    await expect(booked).toContainText(`已预约：${time}`);
    await expect(booked).toBeInViewport();
    await panel.getByRole("button", { name: "取消预约" }).click();
    await page.getByRole("button", { name: "确定取消预约" }).click();
    await expect(page).toHaveURL(`${registration}#appointment-heading`);
    await expect(booked).toHaveCount(0);
    await first.getByRole("button", { name: "预约" }).click();
    await expect(booked).toContainText(`已预约：${time}`);
    // The receipt, opened again, says when.
    await page.goto(`${registration}/submitted`);
    await expect(step).toContainText(`已预约现场登记：${time} 市南区入学报名服务点。请按时携带材料原件前往。`);
    await page.goto(registration);

    // The point's staff find them, by the same time, and check them in.
    const point = await staffPage(browser, "point.sn");
    await point.goto("/point");
    await waitForHydration(point);
    // The list is a day's: the clerk picks the family's day among the days with appointments.
    const day = time.slice(0, time.indexOf("）") + 1);
    await point.locator("[data-days] a").filter({ hasText: day }).click();
    await expect(point.locator("[data-appointments]")).toContainText(day);
    const row = point.locator(`tr[data-appointment="${reference}"]`);
    await expect(row).toContainText(time);
    await expect(row).toContainText("王小明");
    await row.getByRole("button", { name: "签到", exact: true }).click();
    await expect(row).toContainText("已签到");
    // A check-in tapped by mistake is taken back the same day: the family is again to be
    // checked in.
    await row.getByRole("button", { name: "撤销签到" }).click();
    await expect(row.getByRole("button", { name: "签到", exact: true })).toBeVisible();
    await expect(row).not.toContainText("已签到");
    // A family at the desk is found by its child's name, whatever day it booked.
    await point.getByLabel("查找家庭").fill("王小明");
    await point.getByRole("button", { name: "查找", exact: true }).click();
    await expect(point.locator("[data-found]")).toContainText("查找“王小明”");
    await waitForHydration(point);
    await expect(row).toContainText(time);
    await row.getByRole("button", { name: "签到", exact: true }).click();
    await expect(row).toContainText("已签到");
    // What the originals showed is recorded at the desk, in words the school's reviewer reads.
    await row.getByText("记录原件核验结果").click();
    await row.getByLabel("原件有问题", { exact: true }).check();
    await row.getByLabel("问题说明（选“原件有问题”时必填）").fill("居住证已过期，请补办");
    await row.getByRole("button", { name: "保存核验结果" }).click();
    await expect(row.locator("[data-originals]")).toHaveText("原件有问题 居住证已过期，请补办");
    await point.context().close();

    await page.reload();
    await expect(booked).toContainText("已签到");
    await expect(panel.getByRole("button", { name: "取消预约" })).toHaveCount(0);
  });
});
