package admin

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)(\.\.\.)?\}`)

// openAPI serves an OpenAPI 3 document made from the same route table as the mux, so the
// two cannot drift apart.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	paths := map[string]map[string]any{}
	for _, rt := range s.routes() {
		path := pathParam.ReplaceAllString(rt.pattern, "{$1}")
		op := map[string]any{
			"summary":   rt.summary,
			"responses": map[string]any{"200": map[string]any{"description": "JSON, or XML with Accept: application/xml"}, "4XX": map[string]any{"description": `{"error": "...", "field": "..."}`}},
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.pattern, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.request != "" {
			op["requestBody"] = map[string]any{"description": rt.request}
		}
		if rt.public {
			op["security"] = []any{}
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(rt.method)] = op
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
