//! The one error type that crosses the wire. It carries only what is safe and useful
//! for the person in front of the screen; causes stay in the server's log.

use serde::{Deserialize, Serialize};
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

use crate::i18n::{Locale, LocalizedText, t};

/// What is wrong with one field of a form, in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    /// The form field's name.
    pub field: String,
    pub message: LocalizedText,
}

impl FieldProblem {
    pub fn new(field: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: LocalizedText {
                zh: zh.into(),
                en: en.into(),
            },
        }
    }
}

/// An error as the browser sees it. Written as serde's derive writes an enum (`"Conflict"`,
/// `{"Invalid": {"problems": [...]}}`); read by [`AppError`]'s own `Deserialize`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum AppError {
    /// The caller must sign in (again).
    #[error("not signed in")]
    Unauthenticated,
    /// The caller may not do this to this object.
    #[error("forbidden")]
    Forbidden,
    /// The object does not exist, or is not the caller's to see.
    #[error("not found")]
    NotFound,
    /// Someone changed the data first; reload before editing.
    #[error("conflict")]
    Conflict,
    /// The window for this action is closed.
    #[error("closed")]
    Closed,
    /// The registration is submitted (or under review): it cannot be changed now.
    #[error("locked")]
    Locked,
    /// The request was malformed (a bug or a tampered request, not a typing mistake).
    #[error("bad request")]
    BadRequest,
    /// The server could not reach something it needs; try again later.
    #[error("unavailable")]
    Unavailable { request_id: Option<String> },
    /// Something failed inside the server; the request ID finds it in the log.
    #[error("internal error")]
    Internal { request_id: Option<String> },
    /// The browser could not reach the server.
    #[error("network")]
    Network,
    /// Something typed is not acceptable; each problem names its field.
    #[error("invalid input")]
    Invalid { problems: Vec<FieldProblem> },
    /// Staff sign-in failed; never says whether the username or the password was wrong.
    #[error("sign-in failed")]
    SignInFailed,
    /// Too many failed sign-ins for this account or address; try again later.
    #[error("too many attempts")]
    TooManyAttempts,
}

impl AppError {
    /// The HTTP status the server answers with.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict => StatusCode::CONFLICT,
            Self::Closed | Self::Locked => StatusCode::LOCKED,
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal { .. } | Self::Network => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::SignInFailed => StatusCode::UNAUTHORIZED,
            Self::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// What the person reads: what happened and what to do.
    pub fn message(&self, locale: Locale) -> String {
        let text = match self {
            Self::Unauthenticated => t(
                "登录已过期，请从爱山东 APP 重新进入。已填写的内容不会丢失。",
                "Your sign-in has expired. Open the platform again from the host app; nothing you typed is lost.",
            ),
            Self::Forbidden => t("您没有权限进行此操作。", "You are not allowed to do this."),
            Self::NotFound => t(
                "没有找到该信息，可能已被删除。",
                "This was not found. It may have been deleted.",
            ),
            Self::Conflict => t(
                "信息已在其他页面或设备上更新，请先查看最新内容再修改。",
                "This was changed on another page or device. Look at the latest version before editing.",
            ),
            Self::Closed => t(
                "信息采集已关闭，现在只能查看，不能修改或删除。",
                "Collection is closed: you can view, but not change or delete.",
            ),
            Self::Locked => t(
                "报名信息已提交，正在等待审核，现在不能修改。如需修改，请在审核开始前删除后重新报名。",
                "This registration is submitted and waiting for review: it cannot be changed now. To change it, delete it before review starts and register again.",
            ),
            Self::BadRequest => t(
                "请求有误，请刷新页面后重试。",
                "The request was not understood. Reload the page and try again.",
            ),
            Self::Unavailable { .. } => t(
                "系统繁忙，请稍后再试。",
                "The system is busy. Try again in a few minutes.",
            ),
            Self::Internal { .. } => t(
                "系统出错了，请稍后再试。如多次出现，请联系教体局并提供错误编号。",
                "Something went wrong. Try again later; if it keeps happening, contact the bureau with the error number.",
            ),
            Self::Network => t(
                "网络连接中断，请检查网络后重试。",
                "The connection was lost. Check your network and try again.",
            ),
            Self::Invalid { problems } => {
                return problems
                    .iter()
                    .map(|p| p.message.get(locale))
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            Self::SignInFailed => t(
                "用户名或密码不正确。",
                "The username or password is not correct.",
            ),
            Self::TooManyAttempts => t(
                "登录失败次数过多，请 15 分钟后再试，或联系教体局管理员。",
                "Too many failed sign-ins. Try again in 15 minutes, or contact the bureau's administrator.",
            ),
        };
        match self {
            Self::Internal {
                request_id: Some(id),
            }
            | Self::Unavailable {
                request_id: Some(id),
            } => match locale {
                Locale::Zh => format!("{}（错误编号：{id}）", text.zh),
                Locale::En => format!("{} (Error number: {id})", text.en),
            },
            _ => text.get(locale).to_owned(),
        }
    }
}

/// What an error variant with fields carries on the wire; absent fields read as empty.
#[derive(Deserialize)]
struct Details {
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    problems: Vec<FieldProblem>,
}

/// Reads what the derived `Serialize` writes, with one reader for the fields of every
/// variant: the derived `Deserialize` has a visitor for each variant with fields, 270 bytes
/// brotli more in every islands bundle, which all read server functions' answers
/// (docs/first-load.md).
impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{EnumAccess, Error, VariantAccess};

        const VARIANTS: &[&str] = &[
            "Unauthenticated",
            "Forbidden",
            "NotFound",
            "Conflict",
            "Closed",
            "Locked",
            "BadRequest",
            "Unavailable",
            "Internal",
            "Network",
            "Invalid",
            "SignInFailed",
            "TooManyAttempts",
        ];

        struct Variant;
        impl<'de> serde::de::Visitor<'de> for Variant {
            type Value = AppError;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an error")
            }

            fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<AppError, A::Error> {
                let (name, access): (String, _) = data.variant()?;
                let unit = match name.as_str() {
                    "Unauthenticated" => AppError::Unauthenticated,
                    "Forbidden" => AppError::Forbidden,
                    "NotFound" => AppError::NotFound,
                    "Conflict" => AppError::Conflict,
                    "Closed" => AppError::Closed,
                    "Locked" => AppError::Locked,
                    "BadRequest" => AppError::BadRequest,
                    "Network" => AppError::Network,
                    "SignInFailed" => AppError::SignInFailed,
                    "TooManyAttempts" => AppError::TooManyAttempts,
                    "Unavailable" | "Internal" | "Invalid" => {
                        let Details {
                            request_id,
                            problems,
                        } = access.newtype_variant()?;
                        return Ok(match name.as_str() {
                            "Unavailable" => AppError::Unavailable { request_id },
                            "Internal" => AppError::Internal { request_id },
                            _ => AppError::Invalid { problems },
                        });
                    }
                    other => return Err(A::Error::unknown_variant(other, VARIANTS)),
                };
                access.unit_variant()?;
                Ok(unit)
            }
        }

        deserializer.deserialize_enum("AppError", VARIANTS, Variant)
    }
}

impl FromServerFnError for AppError {
    // Read as the results are (`api::codec`).
    type Encoder = crate::api::codec::TextJsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // The texts of these variants can carry internals: never pass them on.
        match value {
            ServerFnErrorErr::Request(_) => Self::Network,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => Self::BadRequest,
            _ => Self::Internal { request_id: None },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_reads_back_as_it_was_written() {
        let every = [
            AppError::Unauthenticated,
            AppError::Forbidden,
            AppError::NotFound,
            AppError::Conflict,
            AppError::Closed,
            AppError::Locked,
            AppError::BadRequest,
            AppError::Unavailable { request_id: None },
            AppError::Unavailable {
                request_id: Some("r-1".into()),
            },
            AppError::Internal { request_id: None },
            AppError::Internal {
                request_id: Some("r-2".into()),
            },
            AppError::Network,
            AppError::Invalid { problems: vec![] },
            AppError::Invalid {
                problems: vec![FieldProblem::new("phone", "手机号不对", "Wrong phone")],
            },
            AppError::SignInFailed,
            AppError::TooManyAttempts,
        ];
        for error in every {
            let written = serde_json::to_string(&error).expect("written");
            assert_eq!(
                serde_json::from_str::<AppError>(&written).expect(&written),
                error
            );
        }
        // The wire form the server's tests and older pages know.
        assert_eq!(
            serde_json::to_string(&AppError::Conflict).expect("written"),
            r#""Conflict""#
        );
        let invalid: AppError = serde_json::from_str(
            r#"{"Invalid":{"problems":[{"field":"a","message":{"zh":"错","en":"wrong"}}]}}"#,
        )
        .expect("read");
        assert_eq!(
            invalid,
            AppError::Invalid {
                problems: vec![FieldProblem::new("a", "错", "wrong")]
            }
        );
        for wrong in [
            r#""Teapot""#,
            r#"{"Teapot":{}}"#,
            r#"{"Conflict":{"request_id":"x"}}"#,
            r#"{"Invalid":{"problems":"x"}}"#,
            r#"{"Invalid":null}"#,
            "3",
            "null",
        ] {
            assert!(serde_json::from_str::<AppError>(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn internal_errors_name_the_request_but_nothing_else() {
        let e = AppError::Internal {
            request_id: Some("abc-123".into()),
        };
        assert!(e.message(Locale::Zh).contains("abc-123"));
        assert!(e.message(Locale::En).contains("abc-123"));
        let from_args =
            AppError::from_server_fn_error(ServerFnErrorErr::Args("SELECT secret".into()));
        assert_eq!(from_args, AppError::BadRequest);
        let from_server = AppError::from_server_fn_error(ServerFnErrorErr::ServerError(
            "no such table: notice".into(),
        ));
        assert_eq!(from_server, AppError::Internal { request_id: None });
    }
}
