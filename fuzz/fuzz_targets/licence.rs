//! The licence-file parser never panics, on TOML or JSON: it returns a
//! licence or located errors (each with a line when it has a key), and a
//! licence it accepts can be matched and accounted for.
#![no_main]
use chipexport_domain::{Country, SourceFile};
use chipexport_licences::{Drawdowns, ItemFacts, Order, UsShipments};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    for name in ["fuzz.toml", "fuzz.json"] {
        match chipexport_licences::parse(&SourceFile::new(name, data), &|id| id.len() < 8) {
            Ok(l) => {
                let order = Order {
                    id: "o".into(),
                    date: l.valid_from,
                    item: ItemFacts {
                        catalog_id: l.lines.first().and_then(|x| x.items.first().cloned()),
                        model: l.lines.first().and_then(|x| x.models.first().cloned()).unwrap_or_default(),
                        tpp: Some(1000.0),
                        performance_density: Some(1.0),
                        memory_bandwidth_gbps: None,
                        interconnect_gbps: None,
                    },
                    eccn: None,
                    destination: l.destinations.first().copied().unwrap_or_else(Country::us),
                    consignee: l.parties.consignee.clone(),
                    end_user: l.parties.end_user.clone(),
                    units: 1,
                    value: 1.into(),
                };
                // A record of US shipments over the licence's validity, so
                // that a volume cap is checked too.
                let us = [UsShipments {
                    model: order.item.model.clone(),
                    from: l.valid_from,
                    to: l.valid_to,
                    units: 3,
                }];
                let _ = chipexport_licences::determine(std::slice::from_ref(&l), &us, &Drawdowns(&[]), &order);
                let _ = chipexport_licences::account(&l, &[], l.valid_to);
            }
            Err(errors) => assert!(!errors.is_empty()),
        }
    }
});
