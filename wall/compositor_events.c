#include "compositor_events.h"

JsonBuilder *compositor_event_begin(const char *name)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "event");
	json_builder_add_string_value(builder, name);
	return builder;
}

void compositor_event_end(GPtrArray *events, JsonBuilder *builder)
{
	json_builder_end_object(builder);
	JsonNode *root = json_builder_get_root(builder);
	g_ptr_array_add(events, json_to_string(root, FALSE));
	json_node_unref(root);
	g_object_unref(builder);
}

void compositor_json_string(JsonBuilder *builder, const char *name, const char *value)
{
	json_builder_set_member_name(builder, name);
	if (value != NULL) {
		json_builder_add_string_value(builder, value);
	} else {
		json_builder_add_null_value(builder);
	}
}
