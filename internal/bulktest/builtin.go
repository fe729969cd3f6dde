package bulktest

// Elastic's built-in templates for logs, described as Go rules (what each
// one does, written here from the documentation and from reading the
// Elasticsearch source, x-pack/plugin/core/template-resources/src/main/
// resources/{logs@template,logs@mappings,logs@settings,ecs@mappings}.json,
// and the REST tests data_stream/240_logs_ecs_mappings.yml and
// 260_logs_failure_store.yml; the files themselves are not copied: Elastic
// License 2.0). Every integration composes them; a template that names
// them in composed_of gets these rules.
//
// Which release has what:
//   - the "logs" index template (logs-*-*, priority 100, a data stream)
//     exists since 7.9 and composes logs@mappings, logs@settings,
//     logs@custom (optional) and, since 8.9, the ECS dynamic templates;
//   - the @-names (logs@mappings, logs@settings, ecs@mappings) are the
//     8.11+ names (8.9-8.10 called them logs-mappings, logs-settings,
//     ecs@dynamic_templates); the model knows the built-ins by the @-names
//     from 8.9 on and installs none before 8.9 (not modelled: 7.9-8.8's
//     logs-mappings, which mapped message as match_only_text itself);
//   - ecs@mappings before 8.13 has no type condition on most templates, so
//     they also match objects: an object "message" is given
//     match_only_text and rejected; from 8.13 (unmatch_mapping_type,
//     elastic/elasticsearch PR #103171) they skip objects, so an object
//     "message" maps message as an object and every later string message
//     is rejected instead;
//   - logs@settings sets index.mapping.ignore_malformed (8.9),
//     total_fields.ignore_dynamic_beyond_limit (8.13, PR #105180) and
//     enables the failure store (9.2, REST test 260_logs_failure_store.yml).
//
// Not modelled: logsdb index mode (9.0+ for logs-*-*: synthetic _source,
// its own ignore_above and field limit defaults), the logs@default-pipeline
// ingest pipeline (it sets a missing @timestamp to the ingest time), ILM.
// The main-branch logs@mappings maps @timestamp as date_nanos; the model
// keeps date, as every 8.x and the 9.x releases it was checked against.

// Names of the built-in templates.
const (
	LogsMappings  = "logs@mappings"
	LogsSettings  = "logs@settings"
	LogsCustom    = "logs@custom"
	ECSMappings   = "ecs@mappings"
	LogsTemplate  = "logs"
	logsPattern   = "logs-*-*"
	logsPriority  = 100
	ecsIgnoreOver = 1024
)

// dynTemplate is one dynamic template, built as its JSON object.
func dynTemplate(name string, conds map[string]any, mapping map[string]any) any {
	conf := map[string]any{"mapping": mapping}
	for k, v := range conds {
		conf[k] = v
	}
	return map[string]any{name: conf}
}

func list(s ...string) []any {
	out := make([]any, len(s))
	for i, e := range s {
		out[i] = e
	}
	return out
}

// BuiltinComponentTemplates returns the component templates Elasticsearch
// v installs for logs: logs@mappings, logs@settings and ecs@mappings
// (none before 8.9). OpenSearch has none.
func BuiltinComponentTemplates(v Version) map[string]*ComponentTemplate {
	if !v.AtLeast(8, 9) {
		return map[string]*ComponentTemplate{}
	}
	return map[string]*ComponentTemplate{
		LogsMappings: {Name: LogsMappings, Template: logsMappings()},
		LogsSettings: {Name: LogsSettings, Template: logsSettings(v)},
		ECSMappings:  {Name: ECSMappings, Template: ecsMappings(v)},
	}
}

// BuiltinIndexTemplates returns Elasticsearch v's built-in index templates
// for logs: "logs", for the data streams logs-*-* at priority 100 (docs,
// "Default logs index template": "automatically applied to any data
// stream following the logs-*-* index pattern, unless you override it with
// your own higher-priority index template").
func BuiltinIndexTemplates(v Version) []*IndexTemplate {
	if !v.AtLeast(8, 9) {
		return nil
	}
	return []*IndexTemplate{{
		Name:                            LogsTemplate,
		IndexPatterns:                   []string{logsPattern},
		Priority:                        logsPriority,
		DataStream:                      true,
		ComposedOf:                      []string{LogsMappings, LogsSettings, LogsCustom, ECSMappings},
		IgnoreMissingComponentTemplates: []string{LogsCustom},
	}}
}

// logsMappings is logs@mappings (docs, "Default logs index template":
// "Disables automatic date detection for string fields to avoid
// mis-parsing. Defines ECS data_stream.* fields"): date_detection false,
// @timestamp a date, data_stream.type a constant_keyword "logs",
// data_stream.dataset and data_stream.namespace constant_keywords (each
// stream's own value, fixed by its first document).
func logsMappings() Template {
	return Template{Settings: map[string]any{}, Mappings: map[string]any{
		"date_detection": false,
		"properties": map[string]any{
			"@timestamp": map[string]any{"type": "date"},
			"data_stream": map[string]any{"properties": map[string]any{
				"type":      map[string]any{"type": "constant_keyword", "value": "logs"},
				"dataset":   map[string]any{"type": "constant_keyword"},
				"namespace": map[string]any{"type": "constant_keyword"},
			}},
		},
	}}
}

// logsSettings is logs@settings (docs, "Default logs index template":
// "Sets ignore_malformed to true globally... Sets
// ignore_dynamic_beyond_limit to true"), by release (see the file comment).
func logsSettings(v Version) Template {
	t := Template{Settings: map[string]any{
		"index.lifecycle.name":           "logs",
		"index.codec":                    "best_compression",
		"index.default_pipeline":         "logs@default-pipeline",
		"index.mapping.ignore_malformed": true,
	}, Mappings: map[string]any{}}
	if v.AtLeast(8, 13) {
		t.Settings["index.mapping.total_fields.ignore_dynamic_beyond_limit"] = true
	}
	if v.AtLeast(9, 2) {
		on := true
		t.FailureStore = &on
	}
	return t
}

// ecsMappings is ecs@mappings: ECS field types by name, as dynamic
// templates, in this order (the first that matches wins):
//   - @timestamp (match) → date, ignore_malformed false even where the
//     index ignores malformed values;
//   - message, *.message (path) → match_only_text;
//   - 8.13+: event.original → keyword, not indexed;
//     *.x509.public_key_exponent → long, not indexed;
//   - ip, *.ip, *_ip (path), strings only → ip: a string that is no IP
//     address is malformed (FilingBox's client_ip);
//   - *.io.text, *.message_id, *registry.data.strings, *url.path → wildcard;
//   - *.body.content, *url.full, *url.original → wildcard with a
//     match_only_text sub-field; *command_line, *stack_trace (match) too;
//   - *.title, *.executable, *.name, *.working_directory, *.full_name,
//     *file.path, *file.target_path, *os.full, email.subject,
//     vulnerability.description, user_agent.original → keyword with a
//     match_only_text sub-field;
//   - *.timestamp, *_timestamp, *.not_after, *.not_before, *.accessed,
//     created, *.created, *.installed, *.creation_date, *.ctime, *.mtime,
//     ingested, *.ingested, *.start, *.end (8.13+ also the threat indicator
//     dates) → date in the default format, of any JSON type: a long of
//     Unix seconds (Netop's action_timestamp) is read as milliseconds;
//   - *.score.*, *_score* but not *.version → float;
//   - *.usage → scaled_float (factor 1000) for numbers (8.13+: and strings);
//   - location, *.location (8.13+: *.geo.location) → geo_point;
//   - *structured_data, *exports, *imports → flattened (8.13+: objects only);
//   - every other string → keyword, ignore_above 1024 (REST test
//     240_logs_ecs_mappings.yml: "numeric_as_string" is a keyword).
//
// Before 8.13 the path templates have no type condition and match objects
// as well (elastic/elasticsearch issue #102794); from 8.13 they carry
// unmatch_mapping_type: object.
func ecsMappings(v Version) Template {
	modern := v.AtLeast(8, 13)
	notObject := func(c map[string]any) map[string]any {
		if modern {
			c["unmatch_mapping_type"] = "object"
		}
		return c
	}
	textSub := map[string]any{"text": map[string]any{"type": "match_only_text"}}
	dates := list("*.timestamp", "*_timestamp", "*.not_after", "*.not_before", "*.accessed", "created", "*.created",
		"*.installed", "*.creation_date", "*.ctime", "*.mtime", "ingested", "*.ingested", "*.start", "*.end")
	if modern {
		dates = append(dates, list("*.indicator.first_seen", "*.indicator.last_seen", "*.indicator.modified_at", "*threat.enrichments.matched.occurred")...)
	}
	var dts []any
	dts = append(dts,
		dynTemplate("ecs_timestamp", map[string]any{"match": "@timestamp"}, map[string]any{"type": "date", "ignore_malformed": false}),
		dynTemplate("ecs_message_match_only_text", notObject(map[string]any{"path_match": list("message", "*.message")}), map[string]any{"type": "match_only_text"}),
	)
	if modern {
		dts = append(dts,
			dynTemplate("ecs_non_indexed_keyword", map[string]any{"path_match": list("event.original")}, map[string]any{"type": "keyword", "index": false, "doc_values": false}),
			dynTemplate("ecs_non_indexed_long", map[string]any{"path_match": list("*.x509.public_key_exponent")}, map[string]any{"type": "long", "index": false, "doc_values": false}),
		)
	}
	dts = append(dts,
		dynTemplate("ecs_ip", map[string]any{"path_match": list("ip", "*.ip", "*_ip"), "match_mapping_type": "string"}, map[string]any{"type": "ip"}),
		dynTemplate("ecs_wildcard", notObject(map[string]any{"path_match": list("*.io.text", "*.message_id", "*registry.data.strings", "*url.path")}), map[string]any{"type": "wildcard"}),
		dynTemplate("ecs_path_match_wildcard_and_match_only_text", notObject(map[string]any{"path_match": list("*.body.content", "*url.full", "*url.original")}),
			map[string]any{"type": "wildcard", "fields": textSub}),
		dynTemplate("ecs_match_wildcard_and_match_only_text", notObject(map[string]any{"match": list("*command_line", "*stack_trace")}),
			map[string]any{"type": "wildcard", "fields": textSub}),
		dynTemplate("ecs_path_match_keyword_and_match_only_text", notObject(map[string]any{"path_match": list("*.title", "*.executable", "*.name",
			"*.working_directory", "*.full_name", "*file.path", "*file.target_path", "*os.full", "email.subject", "vulnerability.description", "user_agent.original")}),
			map[string]any{"type": "keyword", "fields": textSub}),
		dynTemplate("ecs_date", notObject(map[string]any{"path_match": dates}), map[string]any{"type": "date"}),
		dynTemplate("ecs_path_match_float", notObject(map[string]any{"path_match": list("*.score.*", "*_score*"), "path_unmatch": "*.version"}), map[string]any{"type": "float"}),
	)
	if modern {
		dts = append(dts,
			dynTemplate("ecs_usage_double_scaled_float", map[string]any{"path_match": "*.usage", "match_mapping_type": list("double", "long", "string")},
				map[string]any{"type": "scaled_float", "scaling_factor": 1000}),
			dynTemplate("ecs_geo_point", map[string]any{"path_match": list("*.geo.location")}, map[string]any{"type": "geo_point"}),
			dynTemplate("ecs_flattened", map[string]any{"path_match": list("*structured_data", "*exports", "*imports"), "match_mapping_type": "object"}, map[string]any{"type": "flattened"}),
		)
	} else {
		dts = append(dts,
			dynTemplate("ecs_usage_double_scaled_float", map[string]any{"path_match": "*.usage", "match_mapping_type": "double"}, map[string]any{"type": "scaled_float", "scaling_factor": 1000}),
			dynTemplate("ecs_usage_long_scaled_float", map[string]any{"path_match": "*.usage", "match_mapping_type": "long"}, map[string]any{"type": "scaled_float", "scaling_factor": 1000}),
			dynTemplate("ecs_geo_point", map[string]any{"path_match": list("location", "*.location")}, map[string]any{"type": "geo_point"}),
			dynTemplate("ecs_flattened", map[string]any{"path_match": list("*structured_data", "*exports", "*imports")}, map[string]any{"type": "flattened"}),
		)
	}
	dts = append(dts, dynTemplate("all_strings_to_keywords", map[string]any{"match_mapping_type": "string"}, map[string]any{"type": "keyword", "ignore_above": ecsIgnoreOver}))
	return Template{Settings: map[string]any{}, Mappings: map[string]any{"dynamic_templates": dts}}
}
