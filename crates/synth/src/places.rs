//! Places and people: addresses in Kent's postcode districts (from the kernel's
//! `datasets/csu_districts.csv`), their postcodes, and callers' names.

use engage_kernel::postcode::CsuTable;

use crate::GenerateError;
use crate::rng::{Rand, mix};

/// The post town of each shipped postcode district; a district not listed (a force's own
/// table) uses its district name.
const TOWNS: &[(&str, &str)] = &[
    ("CT1", "Canterbury"),
    ("CT2", "Canterbury"),
    ("CT3", "Aylesham"),
    ("CT4", "Canterbury"),
    ("CT5", "Whitstable"),
    ("CT6", "Herne Bay"),
    ("CT7", "Birchington"),
    ("CT8", "Westgate-on-Sea"),
    ("CT9", "Margate"),
    ("CT10", "Broadstairs"),
    ("CT11", "Ramsgate"),
    ("CT12", "Ramsgate"),
    ("CT13", "Sandwich"),
    ("CT14", "Deal"),
    ("CT15", "Dover"),
    ("CT16", "Dover"),
    ("CT17", "Dover"),
    ("CT18", "Hawkinge"),
    ("CT19", "Folkestone"),
    ("CT20", "Folkestone"),
    ("CT21", "Hythe"),
    ("ME1", "Rochester"),
    ("ME2", "Strood"),
    ("ME3", "Hoo"),
    ("ME4", "Chatham"),
    ("ME5", "Chatham"),
    ("ME6", "Snodland"),
    ("ME7", "Gillingham"),
    ("ME8", "Rainham"),
    ("ME9", "Sittingbourne"),
    ("ME10", "Sittingbourne"),
    ("ME11", "Queenborough"),
    ("ME12", "Sheerness"),
    ("ME13", "Faversham"),
    ("ME14", "Maidstone"),
    ("ME15", "Maidstone"),
    ("ME16", "Maidstone"),
    ("ME17", "Maidstone"),
    ("ME18", "Maidstone"),
    ("ME19", "West Malling"),
    ("ME20", "Aylesford"),
    ("TN1", "Tunbridge Wells"),
    ("TN2", "Tunbridge Wells"),
    ("TN3", "Tunbridge Wells"),
    ("TN4", "Tunbridge Wells"),
    ("TN8", "Edenbridge"),
    ("TN9", "Tonbridge"),
    ("TN10", "Tonbridge"),
    ("TN11", "Tonbridge"),
    ("TN12", "Paddock Wood"),
    ("TN13", "Sevenoaks"),
    ("TN14", "Sevenoaks"),
    ("TN15", "Sevenoaks"),
    ("TN16", "Westerham"),
    ("TN17", "Cranbrook"),
    ("TN18", "Hawkhurst"),
    ("TN23", "Ashford"),
    ("TN24", "Ashford"),
    ("TN25", "Ashford"),
    ("TN26", "Ashford"),
    ("TN27", "Ashford"),
    ("TN28", "New Romney"),
    ("TN29", "Romney Marsh"),
    ("TN30", "Tenterden"),
    ("DA1", "Dartford"),
    ("DA2", "Dartford"),
    ("DA3", "Longfield"),
    ("DA4", "Dartford"),
    ("DA9", "Greenhithe"),
    ("DA10", "Swanscombe"),
    ("DA11", "Gravesend"),
    ("DA12", "Gravesend"),
    ("DA13", "Gravesend"),
    ("BR8", "Swanley"),
];

const STREETS: &[&str] = &[
    "High Street",
    "Station Road",
    "London Road",
    "Church Street",
    "Park Road",
    "Victoria Road",
    "Queens Road",
    "King Street",
    "Mill Lane",
    "School Lane",
    "The Street",
    "Tonbridge Road",
    "Maidstone Road",
    "Canterbury Road",
    "Dover Road",
    "Albert Road",
    "Grove Road",
    "Sandling Road",
    "Union Street",
    "Week Street",
    "Bower Lane",
    "Hythe Road",
    "Ashford Road",
    "Folkestone Road",
    "Sandwich Road",
    "Northdown Road",
    "Marine Parade",
    "Castle Street",
    "Bank Street",
    "Bridge Street",
    "Chapel Lane",
    "Green Lane",
    "Orchard Way",
    "Hawthorn Close",
    "Oak Avenue",
    "Elm Grove",
    "Beech Road",
    "Cherry Tree Road",
    "Hop Garden Way",
    "Oast Court",
    "Rochester Road",
    "Chatham Hill",
    "Watling Street",
    "Darnley Road",
    "Pelham Road",
    "Parrock Street",
    "Lowfield Street",
    "Spital Street",
    "St Johns Road",
    "Calverley Road",
    "Mount Pleasant Road",
    "Camden Road",
    "Lower Road",
    "Hastings Road",
    "Windmill Hill",
    "Priory Road",
];

const FIRST_NAMES: &[&str] = &[
    "Alex",
    "Amelia",
    "Anna",
    "Ben",
    "Beth",
    "Callum",
    "Charlotte",
    "Chloe",
    "Dan",
    "David",
    "Ella",
    "Emily",
    "Emma",
    "George",
    "Grace",
    "Harry",
    "Holly",
    "Isla",
    "Jack",
    "James",
    "Jasmine",
    "Jay",
    "Joe",
    "Karen",
    "Kieran",
    "Laura",
    "Leah",
    "Liam",
    "Lily",
    "Lucy",
    "Mark",
    "Mia",
    "Nathan",
    "Olivia",
    "Oscar",
    "Paul",
    "Priya",
    "Rachel",
    "Ryan",
    "Sam",
    "Sarah",
    "Sophie",
    "Steve",
    "Tom",
    "Tony",
    "Wendy",
    "Zoe",
    "Mohammed",
    "Ayesha",
    "Piotr",
];

const SURNAMES: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Hughes", "Edwards", "Turner", "Hill", "Moore", "Cooper", "Ward",
    "Harris", "King", "Baker", "Lewis", "Khan", "Kowalski", "Singh", "Okafor", "O'Brien", "Martin",
    "Allen", "Young",
];

/// Names of communal places: hostels, supported housing, houses in multiple occupation.
const COMMUNAL_NAMES: &[&str] = &[
    "Rosewood House Hostel",
    "Station Lodge",
    "Riverside Court Supported Housing",
    "St Mary's Hostel",
    "Harbour View House",
    "The Old Rectory HMO",
    "Kingsway House",
    "Beacon Lodge",
    "Orchard Place Hostel",
    "Granary Court",
    "Medway Foyer",
    "Bridge House",
];

/// Royal Mail's letters for the last two characters of an inward code.
const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

/// One postcode district that addresses may be in.
struct District {
    code: &'static str,
    town: &'static str,
}

/// A street address: which district, street, house number, flat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Address {
    district: u16,
    street: u16,
    number: u16,
    flat: u16,
}

/// The postcode districts of the run and the address and name generators.
pub(crate) struct Places {
    districts: Vec<District>,
    seed: u64,
}

impl Places {
    /// Every postcode district of the shipped CSU table, or those whose district is one of
    /// `filter` (compared ignoring ASCII case).
    pub(crate) fn new(filter: Option<&[String]>, seed: u64) -> Result<Self, GenerateError> {
        let table = CsuTable::kent();
        let mut districts = Vec::new();
        for (code, place) in table.iter() {
            let wanted = filter.is_none_or(|names| {
                names
                    .iter()
                    .any(|n| n.trim().eq_ignore_ascii_case(place.district))
            });
            if wanted {
                let town = TOWNS
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map_or(place.district, |(_, t)| t);
                districts.push(District { code, town });
            }
        }
        if let Some(names) = filter {
            let mut known: Vec<&str> = table.iter().map(|(_, p)| p.district).collect();
            known.sort_unstable();
            known.dedup();
            for name in names {
                if !known.iter().any(|k| k.eq_ignore_ascii_case(name.trim())) {
                    return Err(GenerateError::UnknownDistrict {
                        name: name.clone(),
                        known: known.join(", "),
                    });
                }
            }
            if names.is_empty() {
                return Err(GenerateError::InvalidOptions(
                    "districts is an empty list; give at least one district name (such as \
                     Maidstone) or none at all for the whole of Kent"
                        .into(),
                ));
            }
        }
        Ok(Places {
            districts,
            seed: mix(seed ^ 0x706C_6163_6573),
        })
    }

    /// A random street address.
    pub(crate) fn random_address(&self, rng: &mut Rand) -> Address {
        let flat = if rng.chance(0.15) {
            rng.range(1, 12) as u16
        } else {
            0
        };
        Address {
            district: rng.index(self.districts.len()) as u16,
            street: rng.index(STREETS.len()) as u16,
            number: rng.range(1, 180) as u16,
            flat,
        }
    }

    /// The home address of ordinary caller `id` (fixed per caller and seed).
    pub(crate) fn home_of(&self, id: u64) -> Address {
        let h = mix(id ^ self.seed);
        let flat = if h.is_multiple_of(7) {
            (h >> 8) % 12 + 1
        } else {
            0
        };
        Address {
            district: ((h >> 16) % self.districts.len() as u64) as u16,
            street: ((h >> 32) % STREETS.len() as u64) as u16,
            number: ((h >> 40) % 180 + 1) as u16,
            flat: flat as u16,
        }
    }

    /// The address as written in C&C: `12 High Street, Maidstone` or
    /// `Flat 3, 12 High Street, Maidstone`.
    pub(crate) fn location(&self, a: &Address) -> String {
        let town = self.districts[usize::from(a.district)].town;
        let street = STREETS[usize::from(a.street)];
        if a.flat > 0 {
            format!("Flat {}, {} {street}, {town}", a.flat, a.number)
        } else {
            format!("{} {street}, {town}", a.number)
        }
    }

    /// The address's postcode, normal form (`ME14 5XY`): the district's outward code and an
    /// inward code fixed by the address.
    pub(crate) fn postcode(&self, a: &Address) -> String {
        let h = mix(self.seed
            ^ (u64::from(a.district) << 48)
            ^ (u64::from(a.street) << 32)
            ^ u64::from(a.number));
        let digit = char::from(b'0' + (h % 10) as u8);
        let l1 = char::from(INWARD_LETTERS[((h >> 8) % INWARD_LETTERS.len() as u64) as usize]);
        let l2 = char::from(INWARD_LETTERS[((h >> 16) % INWARD_LETTERS.len() as u64) as usize]);
        format!(
            "{} {digit}{l1}{l2}",
            self.districts[usize::from(a.district)].code
        )
    }

    /// Communal address `k`: `Rosewood House Hostel, 14 Station Road, Maidstone`, distinct
    /// for each `k`, with its postcode.
    pub(crate) fn communal(&self, k: u64, rng: &mut Rand) -> (String, String) {
        let name = COMMUNAL_NAMES[(k % COMMUNAL_NAMES.len() as u64) as usize];
        let round = k / COMMUNAL_NAMES.len() as u64;
        let a = Address {
            district: rng.index(self.districts.len()) as u16,
            street: rng.index(STREETS.len()) as u16,
            number: (round * 50 + rng.range(1, 50)).min(u64::from(u16::MAX)) as u16,
            flat: 0,
        };
        let location = format!("{name}, {}", self.location(&a));
        (location, self.postcode(&a))
    }
}

/// A postcode as a handler types it: mostly as normalised, sometimes lower case or without
/// the space (all normalise back).
pub(crate) fn typed_postcode(postcode: &str, rng: &mut Rand, out: &mut String) {
    let x = rng.below(100);
    if x < 84 {
        out.push_str(postcode);
    } else if x < 92 {
        out.push_str(&postcode.to_ascii_lowercase());
    } else {
        out.extend(postcode.chars().filter(|c| *c != ' '));
    }
}

/// The name ordinary caller `id` gives (fixed per caller and seed).
pub(crate) fn name_of(id: u64, seed: u64) -> String {
    let h = mix(id ^ mix(seed ^ 0x6E61_6D65));
    let first = FIRST_NAMES[(h % FIRST_NAMES.len() as u64) as usize];
    let last = SURNAMES[((h >> 20) % SURNAMES.len() as u64) as usize];
    match (h >> 40) % 20 {
        0 => first.to_string(),
        1 => format!("Mr {last}"),
        2 => format!("Mrs {last}"),
        _ => format!("{first} {last}"),
    }
}

/// What a handler writes when a caller gives no name.
pub(crate) const NO_NAME: [&str; 3] = ["", "Anonymous", "Not given"];

#[cfg(test)]
mod tests {
    use super::*;
    use engage_kernel::postcode::normalize_postcode;

    #[test]
    fn postcodes_are_in_the_chosen_districts_and_normalise() {
        let places = Places::new(Some(&["maidstone".to_string()]), 3).unwrap();
        let mut rng = Rand::new(3, 0);
        for _ in 0..500 {
            let a = places.random_address(&mut rng);
            let pc = places.postcode(&a);
            let place = CsuTable::kent().lookup(&pc).unwrap();
            assert_eq!(place.district, "Maidstone");
            assert_eq!(normalize_postcode(&pc).as_deref(), Some(pc.as_str()));
            let mut typed = String::new();
            typed_postcode(&pc, &mut rng, &mut typed);
            assert_eq!(normalize_postcode(&typed).as_deref(), Some(pc.as_str()));
            assert!(places.location(&a).ends_with(", Maidstone"));
        }
    }

    #[test]
    fn unknown_district_is_an_error() {
        assert!(matches!(
            Places::new(Some(&["Atlantis".to_string()]), 1),
            Err(GenerateError::UnknownDistrict { .. })
        ));
    }
}
