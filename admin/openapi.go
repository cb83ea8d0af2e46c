package admin

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)(\.\.\.)?\}`)

// openAPI serves an OpenAPI 3.0.3 document made from the same route table as the mux, so
// the two cannot drift apart.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	paths := map[string]map[string]any{}
	for _, rt := range s.routes() {
		path := pathParam.ReplaceAllString(rt.pattern, "{$1}")
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(rt.method)] = rt.operation()
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "ariflow admin API", "version": "1"},
		"components": map[string]any{"securitySchemes": map[string]any{
			"bearer": map[string]any{"type": "http", "scheme": "bearer"}}},
		"security": []any{map[string]any{"bearer": []any{}}},
		"paths":    paths,
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(doc)
}

// successCode is the status the route answers a good request.
func (rt route) successCode() int {
	if rt.success == 0 {
		return http.StatusOK
	}
	return rt.success
}

// operation is the route's OpenAPI operation object.
func (rt route) operation() map[string]any {
	op := map[string]any{
		"summary": rt.summary,
		"responses": map[string]any{
			strconv.Itoa(rt.successCode()): map[string]any{"description": http.StatusText(rt.successCode()), "content": content(rt.answer)},
			"4XX": map[string]any{"description": `refused: {"error": "why", "field": "the part of the request at fault"} ` +
				`(XML: <error><message>, <field>); a refused routing file: {"ok": false, "problems": [...]}`, "content": content("")},
		},
	}
	str := map[string]any{"type": "string"}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(rt.pattern, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": str})
	}
	for _, q := range rt.query {
		params = append(params, map[string]any{"name": q.name, "in": "query", "required": q.required, "description": q.about, "schema": str})
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.request != "" {
		op["requestBody"] = rt.requestBody()
	}
	if rt.public {
		op["security"] = []any{}
	}
	return op
}

// content lists the media types of an answer: the API's JSON, or XML on request, when
// mediaType is "".
func content(mediaType string) map[string]any {
	if mediaType == "" {
		return map[string]any{"application/json": map[string]any{}, "application/xml": map[string]any{}}
	}
	return map[string]any{mediaType: map[string]any{}}
}

// requestBody documents the body the route takes, by its example.
func (rt route) requestBody() map[string]any {
	media := map[string]any{"schema": map[string]any{"type": "string"}, "example": rt.request}
	mediaType := "application/yaml"
	if !rt.yamlBody {
		var example any
		_ = json.Unmarshal([]byte(rt.request), &example) // the routes' examples are JSON (tested)
		media = map[string]any{"schema": schemaOf(example), "example": example}
		mediaType = "application/json"
	}
	return map[string]any{"required": true, "content": map[string]any{mediaType: media}}
}

// schemaOf is the JSON schema of an example value: its type, and an object's properties.
func schemaOf(v any) map[string]any {
	switch v := v.(type) {
	case map[string]any:
		props := map[string]any{}
		for k, e := range v {
			props[k] = schemaOf(e)
		}
		return map[string]any{"type": "object", "properties": props}
	case string:
		return map[string]any{"type": "string"}
	case bool:
		return map[string]any{"type": "boolean"}
	case float64:
		if v == float64(int64(v)) {
			return map[string]any{"type": "integer"}
		}
		return map[string]any{"type": "number"}
	}
	return map[string]any{}
}
