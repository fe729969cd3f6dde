// Package bulktest is an in-process stand-in for the Elasticsearch and
// OpenSearch _bulk API and their index templates, for tests: an HTTP server
// (Server) in front of a model of a cluster (Cluster) whose mapping model
// (Mapping) rejects what Elasticsearch rejects and accepts what it accepts,
// rule by rule, each rule citing the Elasticsearch documentation page or
// REST test (rest-api-spec YAML) it comes from.
//
// What it owns:
//   - index templates (index_patterns, priority, data_stream, composed_of)
//     and component templates, with Elastic's built-in logs@mappings,
//     logs@settings, ecs@mappings and the logs index template described
//     by name as Go rules (builtin.go), never copied from Elastic's files
//     (Elastic License 2.0);
//   - the mapping model: objects and concrete values, dynamic mapping
//     (dynamic true, false, strict, runtime at any level, date detection,
//     dynamic_templates), field types and their parsing (numbers, dates by
//     format, ip, keyword and ignore_above, constant_keyword, flattened,
//     OpenSearch's flat_object; OpenSearch's types by the release that
//     added them, and its constant_keyword's required value),
//     ignore_malformed, the total fields and depth limits;
//   - data streams (create only, @timestamp required) and Elasticsearch's
//     failure store;
//   - bulk requests and responses shaped as Elasticsearch's, so that Fluent
//     Bit's es and opensearch outputs read them as the real thing.
//
// It is test support: nothing in the plugin, the CLI or the library
// imports it, and it uses no cgo. It must not grow into a search engine:
// documents are kept as sent, and nothing is searched.
package bulktest
