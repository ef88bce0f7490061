//! Enums whose values are stored and sent as short codes, each code written once.
//!
//! `coded!` declares the enum with `ALL` (every value, in the order declared), `code()` and
//! `from_code()`, and — on the server — sea-orm's `DeriveActiveEnum` on the same codes, so
//! that an entity's column holds the enum itself and a code nobody declared fails to load.

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
    };
}

pub(crate) use coded;

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
