package io.distcore.tcc.participant;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.distcore.tcc.Phase;
import io.distcore.tcc.TccContext;
import io.distcore.tcc.TccException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.cfg.JsonNodeFeature;

/**
 * The try's arguments and the values it put, as the JSON of its barrier row:
 * {@code {"arguments":[...],"attributes":{...}}}. Each argument is written as its parameter's declared type and
 * read back as it, generics included, so confirm and cancel see the same values the try got.
 */
final class TccPayloadCodec {

	private final ObjectMapper objectMapper;

	TccPayloadCodec(ObjectMapper objectMapper) {
		this.objectMapper = objectMapper;
	}

	String write(TccActionDefinition action, List<Object> arguments, Map<String, Object> attributes) {
		return write(action, writeArguments(action, arguments), attributes);
	}

	/** The arguments as the JSON array of a payload, written once when the try is called. */
	String writeArguments(TccActionDefinition action, List<Object> arguments) {
		try {
			StringBuilder json = new StringBuilder("[");
			for (int i = 0; i < arguments.size(); i++) {
				if (i > 0) {
					json.append(',');
				}
				json.append(this.objectMapper.writerFor(action.parameterTypes().get(i)).writeValueAsString(arguments.get(i)));
			}
			return json.append(']').toString();
		}
		catch (JacksonException ex) {
			throw new TccException("Could not store the arguments of try " + action.name() + " as JSON: "
					+ ex.getOriginalMessage(), ex);
		}
	}

	/** A payload of arguments already written by {@link #writeArguments} and the values the try put. */
	String write(TccActionDefinition action, String arguments, Map<String, Object> attributes) {
		try {
			return "{\"arguments\":" + arguments + ",\"attributes\":" + this.objectMapper.writeValueAsString(attributes)
					+ "}";
		}
		catch (JacksonException ex) {
			throw new TccException("Could not store the values try " + action.name() + " put as JSON: "
					+ ex.getOriginalMessage(), ex);
		}
	}

	TccContext read(TccActionDefinition action, String xid, String branchId, Phase phase, String payload) {
		if (payload == null) {
			throw new TccException("The try of branch " + branchId + " of " + xid + " left no arguments in its barrier row");
		}
		try {
			// As exact decimals: a tree of doubles would round money (12345678901234567.10 became ...68, 0.10 became
			// 0.1) before each argument is read as its parameter's type.
			JsonNode root = this.objectMapper.reader()
				.with(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
				.without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
				.readTree(payload);
			JsonNode stored = root.path("arguments");
			if (stored.size() != action.parameterTypes().size()) {
				throw new TccException("Action " + action.name() + " takes " + action.parameterTypes().size()
						+ " arguments but its try stored " + stored.size() + " (was the try method changed?)");
			}
			List<Object> arguments = new ArrayList<>();
			for (int i = 0; i < stored.size(); i++) {
				arguments.add(this.objectMapper.treeToValue(stored.get(i), action.parameterTypes().get(i)));
			}
			@SuppressWarnings("unchecked")
			Map<String, Object> attributes = this.objectMapper.treeToValue(root.path("attributes"), Map.class);
			return new TccContext(xid, branchId, action.name(), phase, action.parameterNames(), arguments,
					(attributes != null) ? attributes : Map.of(), this::convert);
		}
		catch (JacksonException ex) {
			throw new TccException("Could not read the stored arguments of action " + action.name() + " for branch "
					+ branchId + " of " + xid + ": " + ex.getOriginalMessage(), ex);
		}
	}

	Object convert(Object value, Class<?> type) {
		return this.objectMapper.convertValue(value, type);
	}

}
