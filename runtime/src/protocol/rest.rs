//! HTTP bindings shared by rest-json and rest-xml.
