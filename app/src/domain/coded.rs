//! Enums whose values are stored and sent as short codes, each code written once.
//!
//! `coded!` declares the enum with `ALL` (every value, in the order declared), `code()` and
//! `from_code()`, and — on the server — sea-orm's `DeriveActiveEnum` on the same codes, so
//! that an entity's column holds the enum itself and a code nobody declared fails to load.
//!
//! It also reads the enum from serde as serde's derive writes it (the variant's name, say
//! `"ResidencePermit"`; derive `Serialize` only): through the one string reader every
//! enum shares, where a derived `Deserialize` adds its own visitors for each enum, about
//! 1.3 KB of code apiece in a page's browser bundle (docs/first-load.md). `named!` does the
//! same for an enum without codes.

/// Declares an enum whose variants each have a stored code: `Variant = "code",`.
macro_rules! coded {
    (@unit $variant:ident) => { () };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
        #[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text"))]
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                #[cfg_attr(feature = "ssr", sea_orm(string_value = $code))]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the order declared.
            pub const ALL: [Self; <[()]>::len(&[$($crate::domain::coded::coded!(@unit $variant)),+])] =
                [$(Self::$variant),+];

            /// The code stored in the database and used in addresses and forms.
            pub fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)+
                }
            }

            /// Reads a stored or submitted code; `None` for any other text.
            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        $crate::domain::coded::read_by_name!($name { $($variant),+ });
    };
}

/// Declares an enum of unit variants that serde reads by name as [`coded!`]'s are (derive
/// `Serialize` only).
macro_rules! named {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident, )+
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        $crate::domain::coded::read_by_name!($name { $($variant),+ });
    };
}

/// `Deserialize` for an enum of unit variants, from the variant's name as serde's derive
/// writes it: through the one string reader every such enum shares.
macro_rules! read_by_name {
    ($name:ident { $($variant:ident),+ }) => {
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let name = <String as serde::Deserialize>::deserialize(deserializer)?;
                match name.as_str() {
                    $(stringify!($variant) => Ok(Self::$variant),)+
                    other => Err(<D::Error as serde::de::Error>::unknown_variant(
                        other,
                        &[$(stringify!($variant)),+],
                    )),
                }
            }
        }
    };
}

pub(crate) use {coded, named, read_by_name};

#[cfg(test)]
mod tests {
    coded! {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum Colour {
            /// A doc comment on a variant is kept.
            Red = "red",
            DarkBlue = "dark-blue",
        }
    }

    #[test]
    fn reads_what_serdes_derive_writes_and_nothing_else() {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
        enum Derived {
            Red,
            DarkBlue,
        }
        coded! {
            #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
            enum Shade {
                Red = "red",
                DarkBlue = "dark-blue",
            }
        }
        for (derived, shade) in [Derived::Red, Derived::DarkBlue]
            .into_iter()
            .zip(Shade::ALL)
        {
            let written = serde_json::to_string(&derived).expect("written");
            assert_eq!(serde_json::to_string(&shade).expect("written"), written);
            assert_eq!(
                serde_json::from_str::<Shade>(&written).expect("read"),
                shade
            );
            // Read by name, stored by code: the two never mix.
            assert_eq!(Shade::from_code(shade.code()), Some(shade));
            let code = format!("\"{}\"", shade.code());
            assert!(serde_json::from_str::<Shade>(&code).is_err(), "{code}");
        }
        let keys: std::collections::BTreeMap<Shade, u8> =
            serde_json::from_str(r#"{"DarkBlue": 2, "Red": 1}"#).expect("read as keys");
        assert_eq!(keys.get(&Shade::DarkBlue), Some(&2));
        for wrong in [
            r#""dark-blue""#,
            r#""darkblue""#,
            "1",
            "null",
            r#"{"Red": null}"#,
        ] {
            let error = serde_json::from_str::<Shade>(wrong).expect_err(wrong);
            assert!(!error.to_string().is_empty());
        }
        let unknown = serde_json::from_str::<Shade>(r#""Green""#).expect_err("Green");
        assert!(
            unknown.to_string().contains("unknown variant `Green`"),
            "{unknown}"
        );
    }

    #[test]
    fn every_value_has_its_one_code_and_nothing_else_reads() {
        assert_eq!(Colour::ALL, [Colour::Red, Colour::DarkBlue]);
        for colour in Colour::ALL {
            assert_eq!(Colour::from_code(colour.code()), Some(colour));
        }
        assert_eq!(Colour::DarkBlue.code(), "dark-blue");
        assert_eq!(Colour::from_code("Red"), None);
        assert_eq!(Colour::from_code(""), None);
    }
}
