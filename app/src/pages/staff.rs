//! Staff: sign-in with username and password, their overview, and for bureau
//! administrators the management of staff accounts. Desktop first.

use leptos::prelude::*;

use crate::components::Loading;
use crate::{
    api::staff::{
        CreateStaffAccount, SetStaffAccountActive, StaffAccountView, StaffAdminData, StaffOverview,
        StaffSignIn, get_school_overview, get_staff_overview, list_staff_accounts,
    },
    components::{ErrorPanel, SignOutButton, done_note},
    domain::StaffRole,
    error::AppError,
    i18n::{t, use_locale},
};

/// The staff sign-in page.
#[component]
pub fn StaffSignInPage() -> impl IntoView {
    let locale = use_locale();
    let sign_in = ServerAction::<StaffSignIn>::new();
    view! {
        <section class="panel narrow" aria-labelledby="staff-sign-in-heading">
            <h1 id="staff-sign-in-heading">{move || t("工作人员登录", "Staff sign-in").get(locale.get())}</h1>
            <p class="hint">
                {move || t(
                    "供学校审核员、教体局管理员和报名点工作人员使用。家长请从政务服务 APP 进入。",
                    "For school reviewers, bureau administrators and registration-point staff. Parents open the platform from the government app.",
                ).get(locale.get())}
            </p>
            <ActionForm action=sign_in attr:class="form">
                <label for="username">{move || t("用户名", "Username").get(locale.get())}</label>
                <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required />
                <label for="password">{move || t("密码", "Password").get(locale.get())}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required />
                <button type="submit" class="button button-primary" disabled=move || sign_in.pending().get()>
                    {move || t("登录", "Sign in").get(locale.get())}
                </button>
            </ActionForm>
            <div aria-live="assertive">
                {move || sign_in.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
            </div>
        </section>
    }
}

/// The staff overview: who they are, and what their role lets them do.
#[component]
pub fn StaffHomePage() -> impl IntoView {
    let locale = use_locale();
    let overview = Resource::new_blocking(|| (), |_| get_staff_overview());
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <StaffHome overview /> }.into_any(),
                    Err(AppError::Unauthenticated) => view! {
                        <section class="panel" data-sign-in-required="true">
                            <h1>{move || t("请先登录", "Please sign in").get(locale.get())}</h1>
                            <a class="button button-primary" href="/staff/sign-in">{move || t("工作人员登录", "Staff sign-in").get(locale.get())}</a>
                        </section>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn StaffHome(overview: StaffOverview) -> impl IntoView {
    let locale = use_locale();
    let StaffOverview {
        display_name,
        username,
        role,
        place,
        school_id,
    } = overview;
    view! {
        <section class="panel" aria-labelledby="staff-heading">
            <h1 id="staff-heading" translate="no">{display_name}</h1>
            <dl class="facts">
                <dt>{move || t("用户名", "Username").get(locale.get())}</dt>
                <dd translate="no">{username}</dd>
                <dt>{move || t("角色", "Role").get(locale.get())}</dt>
                <dd data-field="role">{move || role.label().get(locale.get())}</dd>
                {place.map(|place| view! {
                    <dt>{move || t("所属单位", "Works for").get(locale.get())}</dt>
                    <dd data-field="place">{move || place.get(locale.get()).to_owned()}</dd>
                })}
            </dl>
            {school_id.map(|id| view! { <SchoolSummary school_id=id /> })}
            {matches!(role, StaffRole::Reviewer | StaffRole::BureauAdmin).then(|| view! {
                <a class="button button-primary" href="/review">
                    {move || if role == StaffRole::Reviewer { t("进入报名审核（初审）", "Open the review queue (first review)") } else { t("进入复审", "Open second review") }.get(locale.get())}
                </a>
            })}
            {(role == StaffRole::PointStaff).then(|| view! {
                <a class="button button-primary" href="/point">{move || t("现场登记预约", "On-site appointments").get(locale.get())}</a>
            })}
            {(role == StaffRole::BureauAdmin).then(|| view! {
                <p class="button-row">
                    <a class="button" href="/admissions">{move || t("录取与公布", "Admissions and publication").get(locale.get())}</a>
                    <a class="button" href="/bureau">{move || t("教体局设置", "Bureau settings").get(locale.get())}</a>
                    <a class="button" href="/bureau/statistics">{move || t("报名统计", "Statistics").get(locale.get())}</a>
                </p>
            })}
            <SignOutButton />
        </section>
        {(role == StaffRole::BureauAdmin).then(|| view! { <StaffAdmin /> })}
    }
}

#[component]
fn SchoolSummary(school_id: i32) -> impl IntoView {
    let locale = use_locale();
    let school = Resource::new(move || school_id, get_school_overview);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                school.await.ok().map(|school| view! {
                    <p class="hint" data-school-reviewers=school.active_reviewers>
                        {move || match locale.get() {
                            crate::i18n::Locale::Zh => format!("{} 共有 {} 名在岗审核员。", school.name.get(locale.get()), school.active_reviewers),
                            crate::i18n::Locale::En => format!("{} has {} active reviewers.", school.name.get(locale.get()), school.active_reviewers),
                        }}
                    </p>
                })
            })}
        </Suspense>
    }
}

#[component]
fn StaffAdmin() -> impl IntoView {
    let locale = use_locale();
    let create = ServerAction::<CreateStaffAccount>::new();
    let toggle = ServerAction::<SetStaffAccountActive>::new();
    let data = Resource::new(
        move || (create.version().get(), toggle.version().get()),
        |_| list_staff_accounts(),
    );
    let role = RwSignal::new(StaffRole::Reviewer.code().to_owned());
    view! {
        <section class="panel" aria-labelledby="staff-admin-heading">
            <h2 id="staff-admin-heading">{move || t("工作人员账号", "Staff accounts").get(locale.get())}</h2>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        Ok(StaffAdminData { accounts, schools, points }) => view! {
                            <table class="table">
                                <thead>
                                    <tr>
                                        <th scope="col">{move || t("用户名", "Username").get(locale.get())}</th>
                                        <th scope="col">{move || t("姓名", "Name").get(locale.get())}</th>
                                        <th scope="col">{move || t("角色", "Role").get(locale.get())}</th>
                                        <th scope="col">{move || t("所属单位", "Works for").get(locale.get())}</th>
                                        <th scope="col">{move || t("状态", "State").get(locale.get())}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {accounts.into_iter().map(|account| {
                                        let StaffAccountView { id, username, display_name, role, place, active, is_self } = account;
                                        let row_name = username.clone();
                                        view! {
                                            <tr data-username=row_name>
                                                <td translate="no">{username}</td>
                                                <td translate="no">{display_name}</td>
                                                <td>{move || role.label().get(locale.get())}</td>
                                                <td>{move || place.as_ref().map(|p| p.get(locale.get()).to_owned()).unwrap_or_default()}</td>
                                                <td>
                                                    {move || if active { t("在用", "Active") } else { t("已停用", "Deactivated") }.get(locale.get())}
                                                    {(!is_self).then(|| view! {
                                                        <ActionForm action=toggle attr:class="inline">
                                                            <input type="hidden" name="account_id" value=id />
                                                            <input type="hidden" name="active" value=(!active).to_string() />
                                                            <button type="submit" class="button button-small">
                                                                {move || if active { t("停用", "Deactivate") } else { t("启用", "Activate") }.get(locale.get())}
                                                            </button>
                                                        </ActionForm>
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <h3>{move || t("新建账号", "New account").get(locale.get())}</h3>
                            <ActionForm action=create attr:class="form form-grid">
                                <label for="new-username">{move || t("用户名", "Username").get(locale.get())}</label>
                                <input id="new-username" name="username" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" required />
                                <label for="new-display-name">{move || t("姓名", "Name").get(locale.get())}</label>
                                <input id="new-display-name" name="display_name" type="text" autocomplete="off" required />
                                <label for="new-role">{move || t("角色", "Role").get(locale.get())}</label>
                                <select id="new-role" name="role" on:change=move |ev| role.set(event_target_value(&ev))>
                                    {StaffRole::ALL.into_iter().map(|r| view! {
                                        <option value=r.code() selected=move || role.get() == r.code()>{move || r.label().get(locale.get())}</option>
                                    }).collect_view()}
                                </select>
                                <label for="new-place">{move || t("学校或报名点", "School or point").get(locale.get())}</label>
                                <select id="new-place" name="place_id">
                                    <option value="">{move || t("（管理员无需选择）", "(none for administrators)").get(locale.get())}</option>
                                    <optgroup label=move || t("学校", "Schools").get(locale.get())>
                                        {schools.into_iter().map(|p| view! { <option value=p.id>{move || p.name.get(locale.get()).to_owned()}</option> }).collect_view()}
                                    </optgroup>
                                    <optgroup label=move || t("报名点", "Registration points").get(locale.get())>
                                        {points.into_iter().map(|p| view! { <option value=p.id>{move || p.name.get(locale.get()).to_owned()}</option> }).collect_view()}
                                    </optgroup>
                                </select>
                                <label for="new-password">{move || t("初始密码", "Initial password").get(locale.get())}</label>
                                <input id="new-password" name="password" type="password" autocomplete="new-password" required minlength="10" />
                                <button type="submit" class="button button-primary" disabled=move || create.pending().get()>
                                    {move || t("创建账号", "Create account").get(locale.get())}
                                </button>
                            </ActionForm>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <div aria-live="assertive">
                {move || create.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
                {move || toggle.value().get().and_then(Result::err).map(|error| view! { <ErrorPanel error /> })}
            </div>
            {done_note(create.value(), t("账号已创建", "Account created"))}
        </section>
    }
}
