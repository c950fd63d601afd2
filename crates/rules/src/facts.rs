//! The facts a predicate may read: their names, types and values.

use chipexport_domain::{ChipSpec, Country, CountryGroups, Date, Group, Metrics};
use serde::Serialize;

/// The type of a fact or expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ty {
    /// A number.
    Num,
    /// True or false.
    Bool,
    /// A text.
    Text,
    /// A country.
    Country,
    /// A date.
    Date,
}

impl Ty {
    /// The type's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Ty::Num => "number",
            Ty::Bool => "boolean",
            Ty::Text => "text",
            Ty::Country => "country",
            Ty::Date => "date",
        }
    }
}

macro_rules! facts {
    ($( $variant:ident => $name:literal : $ty:ident, $doc:literal; )*) => {
        /// A fact a predicate can read.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Fact { $( #[doc = $doc] $variant, )* }

        impl Fact {
            /// Every fact.
            pub const ALL: &'static [Fact] = &[ $( Fact::$variant, )* ];
            /// The fact's name in predicates.
            pub fn name(self) -> &'static str { match self { $( Fact::$variant => $name, )* } }
            /// The fact's type.
            pub fn ty(self) -> Ty { match self { $( Fact::$variant => Ty::$ty, )* } }
            /// What the fact is.
            pub fn doc(self) -> &'static str { match self { $( Fact::$variant => $doc, )* } }
            /// The fact of a name (case-insensitive).
            pub fn parse(s: &str) -> Option<Fact> {
                let s = s.to_ascii_lowercase();
                match s.as_str() { $( $name => Some(Fact::$variant), )* _ => None }
            }
        }
    };
}

facts! {
    Chip => "chip": Text, "catalog id of the item (null for a user's spec)";
    Model => "model": Text, "model name of the item";
    Vendor => "vendor": Text, "vendor of the item";
    Tpp => "tpp": Num, "total processing performance";
    PerformanceDensity => "performance_density": Num, "TPP per mm² of applicable die area";
    DieArea => "die_area_mm2": Num, "applicable die area, mm²";
    MemoryBandwidth => "memory_bandwidth_gbps": Num, "DRAM bandwidth, GB/s";
    Interconnect => "interconnect_gbps": Num, "aggregate bidirectional interconnect, GB/s";
    MemoryPlusInterconnect => "memory_plus_interconnect_gbps": Num, "memory plus interconnect bandwidth, GB/s";
    Transistors => "transistors_billion": Num, "transistor count, billions";
    Datacenter => "datacenter": Bool, "designed or marketed for datacenters";
    NonPlanar => "non_planar": Bool, "logic dies on a non-planar process";
    OriginCountry => "origin_country": Country, "designer's headquarters country";
    Destination => "destination": Country, "country of destination";
    EndUserHq => "end_user_hq": Country, "headquarters of the end user or its ultimate parent";
    ExportedFrom => "exported_from": Country, "country the item is exported from";
    OnDate => "date": Date, "date of the question";
    BuyerType => "buyer_type": Text, "kind of buyer (null when not given)";
    ExporterRole => "exporter_role": Text, "role of the exporter (null when not given)";
    SubjectToEar => "subject_to_ear": Bool, "the item is subject to the US EAR: true when exported from the US or US-designed, else as given (null when unknown)";
    EccnClaimed => "eccn_claimed": Text, "the ECCN the vendor or user gives the item (a spec's `eccn_claimed`; null when none)";
    ChartLicence => "chart_licence": Bool, "the Commerce Country Chart marks an X for the destination in a column of the claimed ECCN's reasons for control (null: no claimed ECCN, an ECCN the CCL data does not hold or that the chart does not decide, or a row that points to part 746)";
    Eccn => "eccn": Text, "classification decided by the classification slot";
    LicenseRequired => "license_required": Bool, "licence requirement decided by its slot";
    ReviewPolicy => "review_policy": Text, "licence review policy decided by its slot";
    PartiesScreened => "parties_screened": Bool, "a buyer, end user or consignee was named and screened (false when none was)";
    PartyEntityList => "party_entity_list": Bool, "a party is on the BIS Entity List (null: a possible match awaits review, or no party named)";
    PartyFdpFootnote => "party_fdp_footnote": Num, "the Entity List entry's foreign-direct-product footnote: 1, 4 or 5, 0 for none (null when not on the list or uncertain)";
    PartyEntityPolicy => "party_entity_policy": Text, "the Entity List entry's review policy in the rules' words (null when the entry refers elsewhere)";
    PartyMeu => "party_meu": Bool, "a party is on the Military End User List";
    PartyUvl => "party_uvl": Bool, "a party is on the Unverified List";
    PartyDpl => "party_dpl": Bool, "a party is on the Denied Persons List";
    PartySdn => "party_sdn": Bool, "a party is on OFAC's SDN list";
    PartyListedOwnerShare => "party_listed_owner_share": Num, "percent of a party owned, in aggregate, by Entity List or MEU parties (the affiliates rule; null when a listed owner's share is unknown)";
    PartyTwShtc => "party_tw_shtc": Bool, "a party is on Taiwan's SHTC Entity List (only the entries the packs name are known: null otherwise)";
    PartyCnUel => "party_cn_uel": Bool, "a party is on China's Unreliable Entity List (only the entries the packs name are known: null otherwise)";
}

/// What screening the parties (buyer, end user, consignee) found, as
/// facts: `None` is unknown (not screened, or a possible match that a
/// reviewer has not cleared or confirmed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct PartyFacts {
    /// A party was named and screened.
    #[serde(default)]
    pub screened: bool,
    /// On the Entity List.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_list: Option<bool>,
    /// The Entity List entry's FDP footnote (1, 4, 5; 0 none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fdp_footnote: Option<f64>,
    /// The Entity List entry's review policy, in the rules' words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_policy: Option<String>,
    /// On the MEU List.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meu: Option<bool>,
    /// On the Unverified List.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uvl: Option<bool>,
    /// On the Denied Persons List.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpl: Option<bool>,
    /// On OFAC's SDN list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdn: Option<bool>,
    /// Aggregate percent held by listed owners (affiliates rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_owner_share: Option<f64>,
    /// On Taiwan's SHTC Entity List.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tw_shtc: Option<bool>,
    /// On China's Unreliable Entity List.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cn_uel: Option<bool>,
}

/// No party named.
pub const NO_PARTIES: PartyFacts = PartyFacts {
    screened: false,
    entity_list: None,
    fdp_footnote: None,
    entity_policy: None,
    meu: None,
    uvl: None,
    dpl: None,
    sdn: None,
    listed_owner_share: None,
    tw_shtc: None,
    cn_uel: None,
};

impl PartyFacts {
    /// Whether no party was named.
    pub fn is_empty(&self) -> bool {
        *self == NO_PARTIES
    }
}

/// A value during evaluation. `Null` is an unknown fact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// Unknown.
    Null,
    /// True or false.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A text.
    Text(&'a str),
    /// A country.
    Country(Country),
    /// A date.
    Date(Date),
}

impl std::fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => f.write_str("unknown"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Num(n) => f.write_str(&chipexport_domain::fmt_num(*n)),
            Value::Text(t) => write!(f, "'{t}'"),
            Value::Country(c) => f.write_str(c.as_str()),
            Value::Date(d) => write!(f, "{d}"),
        }
    }
}

/// The facts about the item, taken from a spec and its metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct ItemFacts {
    /// Catalog id (`None` for a user's spec).
    pub chip: Option<String>,
    /// Model name.
    pub model: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// Total processing performance.
    pub tpp: Option<f64>,
    /// TPP per mm² of applicable die area.
    pub performance_density: Option<f64>,
    /// Applicable die area, mm².
    pub die_area_mm2: Option<f64>,
    /// DRAM bandwidth, GB/s.
    pub memory_bandwidth_gbps: Option<f64>,
    /// Aggregate bidirectional interconnect, GB/s.
    pub interconnect_gbps: Option<f64>,
    /// Memory plus interconnect bandwidth, GB/s.
    pub memory_plus_interconnect_gbps: Option<f64>,
    /// Transistor count, billions.
    pub transistors_billion: Option<f64>,
    /// Designed or marketed for datacenters.
    pub datacenter: Option<bool>,
    /// Logic dies on a non-planar process.
    pub non_planar: Option<bool>,
    /// The designer's headquarters country.
    pub origin_country: Option<Country>,
    /// The ECCN the vendor or user gives the item, if any: read only by
    /// the Commerce Country Chart lookup (the engine's own classification
    /// stays the classification slot's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eccn_claimed: Option<String>,
}

impl ItemFacts {
    /// The facts of a spec and its metrics.
    pub fn from_spec(spec: &ChipSpec, metrics: &Metrics) -> ItemFacts {
        ItemFacts {
            chip: spec.id.clone(),
            model: Some(spec.name.clone()),
            vendor: spec.vendor.clone(),
            tpp: metrics.tpp,
            performance_density: metrics.performance_density,
            die_area_mm2: metrics.die_area_mm2,
            memory_bandwidth_gbps: metrics.memory_bandwidth_gbps,
            interconnect_gbps: metrics.interconnect_gbps,
            memory_plus_interconnect_gbps: metrics.memory_plus_interconnect_gbps,
            transistors_billion: spec.transistors_billion,
            datacenter: spec.datacenter,
            non_planar: Some(spec.non_planar),
            origin_country: spec.origin_country,
            eccn_claimed: spec.eccn_claimed.clone(),
        }
    }
}

/// Everything a predicate can read for one question on one date, with the
/// results of the slots decided so far.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    /// The facts about the item.
    pub item: &'a ItemFacts,
    /// The country of destination.
    pub destination: Country,
    /// The end user's headquarters.
    pub end_user_hq: Country,
    /// The exporting country.
    pub exported_from: Country,
    /// The date of the question.
    pub date: Date,
    /// The buyer type, if given.
    pub buyer_type: Option<&'a str>,
    /// The exporter role, if given.
    pub exporter_role: Option<&'a str>,
    /// The classification, once decided.
    pub eccn: Option<&'a str>,
    /// The licence requirement, once decided.
    pub license_required: Option<bool>,
    /// The review policy's name, once decided.
    pub review_policy: Option<&'a str>,
    /// Whether the item is subject to the EAR (see [`Fact::SubjectToEar`]).
    pub subject_to_ear: Option<bool>,
    /// What screening the parties found.
    pub parties: &'a PartyFacts,
    /// The Commerce Country Chart's answer for the claimed ECCN and the
    /// destination (see [`Fact::ChartLicence`]).
    pub chart_licence: Option<bool>,
    /// Group membership bitmasks (bit i = `Group::ALL[i]`) of the country
    /// facts on `date`, computed once per question.
    masks: [u8; 4],
}

/// The group membership bitmask of a country on a date (bit i =
/// `Group::ALL[i]`), as [`Facts::new_masked`] takes it.
pub fn group_mask(groups: &CountryGroups, c: Country, date: Date) -> u8 {
    mask(groups, c, date)
}

fn mask(groups: &CountryGroups, c: Country, date: Date) -> u8 {
    groups.mask(c, date)
}

impl Fact {
    /// Whether the fact comes from screening the parties. Ledgers carry no
    /// parties yet: the SQL lowering reads these as not screened.
    pub fn is_party(self) -> bool {
        self >= Fact::PartiesScreened
    }
}

impl<'a> Facts<'a> {
    /// The facts of a question before any slot is decided.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        item: &'a ItemFacts,
        groups: &CountryGroups,
        destination: Country,
        end_user_hq: Country,
        exported_from: Country,
        date: Date,
        buyer_type: Option<&'a str>,
        exporter_role: Option<&'a str>,
    ) -> Facts<'a> {
        let origin = item.origin_country.map_or(0, |c| mask(groups, c, date));
        let masks = [
            mask(groups, destination, date),
            mask(groups, end_user_hq, date),
            mask(groups, exported_from, date),
            origin,
        ];
        Facts::new_masked(
            item,
            destination,
            end_user_hq,
            exported_from,
            date,
            buyer_type,
            exporter_role,
            masks,
        )
    }

    /// [`Facts::new`] with the group membership bitmasks of the
    /// destination, the end user's headquarters, the exporting country and
    /// the item's origin country (0 when it has none) on `date` given, as
    /// [`group_mask`] computes them: a caller that asks many questions
    /// computes each country's mask once per date range.
    #[allow(clippy::too_many_arguments)]
    pub fn new_masked(
        item: &'a ItemFacts,
        destination: Country,
        end_user_hq: Country,
        exported_from: Country,
        date: Date,
        buyer_type: Option<&'a str>,
        exporter_role: Option<&'a str>,
        masks: [u8; 4],
    ) -> Facts<'a> {
        Facts {
            item,
            destination,
            end_user_hq,
            exported_from,
            date,
            buyer_type,
            exporter_role,
            eccn: None,
            license_required: None,
            review_policy: None,
            parties: &NO_PARTIES,
            chart_licence: item.eccn_claimed.as_deref().and_then(|e| {
                crate::country_chart::embedded()
                    .ok()
                    .and_then(|d| d.licence(e, destination))
            }),
            subject_to_ear: if exported_from == Country::us()
                || item.origin_country == Some(Country::us())
            {
                Some(true)
            } else {
                None
            },
            masks,
        }
    }

    /// The value of a fact (`Null` when unknown).
    pub fn get(&self, f: Fact) -> Value<'_> {
        let num = |v: Option<f64>| v.map_or(Value::Null, Value::Num);
        let text = |v: &'a Option<String>| v.as_deref().map_or(Value::Null, Value::Text);
        match f {
            Fact::Chip => text(&self.item.chip),
            Fact::Model => text(&self.item.model),
            Fact::Vendor => text(&self.item.vendor),
            Fact::Tpp => num(self.item.tpp),
            Fact::PerformanceDensity => num(self.item.performance_density),
            Fact::DieArea => num(self.item.die_area_mm2),
            Fact::MemoryBandwidth => num(self.item.memory_bandwidth_gbps),
            Fact::Interconnect => num(self.item.interconnect_gbps),
            Fact::MemoryPlusInterconnect => num(self.item.memory_plus_interconnect_gbps),
            Fact::Transistors => num(self.item.transistors_billion),
            Fact::Datacenter => self.item.datacenter.map_or(Value::Null, Value::Bool),
            Fact::NonPlanar => self.item.non_planar.map_or(Value::Null, Value::Bool),
            Fact::OriginCountry => self.item.origin_country.map_or(Value::Null, Value::Country),
            Fact::Destination => Value::Country(self.destination),
            Fact::EndUserHq => Value::Country(self.end_user_hq),
            Fact::ExportedFrom => Value::Country(self.exported_from),
            Fact::OnDate => Value::Date(self.date),
            Fact::BuyerType => self.buyer_type.map_or(Value::Null, Value::Text),
            Fact::ExporterRole => self.exporter_role.map_or(Value::Null, Value::Text),
            Fact::Eccn => self.eccn.map_or(Value::Null, Value::Text),
            Fact::LicenseRequired => self.license_required.map_or(Value::Null, Value::Bool),
            Fact::ReviewPolicy => self.review_policy.map_or(Value::Null, Value::Text),
            Fact::SubjectToEar => self.subject_to_ear.map_or(Value::Null, Value::Bool),
            Fact::EccnClaimed => text(&self.item.eccn_claimed),
            Fact::ChartLicence => self.chart_licence.map_or(Value::Null, Value::Bool),
            Fact::PartiesScreened => Value::Bool(self.parties.screened),
            Fact::PartyEntityList => self.parties.entity_list.map_or(Value::Null, Value::Bool),
            Fact::PartyFdpFootnote => num(self.parties.fdp_footnote),
            Fact::PartyEntityPolicy => self
                .parties
                .entity_policy
                .as_deref()
                .map_or(Value::Null, Value::Text),
            Fact::PartyMeu => self.parties.meu.map_or(Value::Null, Value::Bool),
            Fact::PartyUvl => self.parties.uvl.map_or(Value::Null, Value::Bool),
            Fact::PartyDpl => self.parties.dpl.map_or(Value::Null, Value::Bool),
            Fact::PartySdn => self.parties.sdn.map_or(Value::Null, Value::Bool),
            Fact::PartyListedOwnerShare => num(self.parties.listed_owner_share),
            Fact::PartyTwShtc => self.parties.tw_shtc.map_or(Value::Null, Value::Bool),
            Fact::PartyCnUel => self.parties.cn_uel.map_or(Value::Null, Value::Bool),
        }
    }

    /// Membership of a country fact in a group on the question's date;
    /// `None` when the fact is unknown.
    pub fn in_group(&self, f: Fact, g: Group) -> Option<bool> {
        let idx = match f {
            Fact::Destination => 0,
            Fact::EndUserHq => 1,
            Fact::ExportedFrom => 2,
            Fact::OriginCountry if self.item.origin_country.is_some() => 3,
            _ => return None,
        };
        let bit = Group::ALL.iter().position(|x| *x == g).unwrap_or(0);
        self.masks.get(idx).map(|m| m & (1 << bit) != 0)
    }
}
