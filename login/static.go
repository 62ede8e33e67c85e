package login

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/latchkey-id/latchkey/internal/httpx"
)

// The pages' CSS and JavaScript: plain files, no build step, served from
// the binary. Pages load them by versioned URL (…?v=<content hash>), so a
// browser can keep them for a long time and still never runs a stale one.
//
//go:embed static
var staticFiles embed.FS

// assetVersions maps a file under static/ to the start of its SHA-256.
// Computed once from the embedded files, which never change at run time.
var assetVersions = func() map[string]string {
	versions := map[string]string{}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		versions[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		panic(err) // the embedded tree is part of the binary; this cannot fail at run time
	}
	return versions
}()

// assetURL is the versioned URL of a static file, relative to the page's root.
func assetURL(name string) string {
	return "static/" + name + "?v=" + assetVersions[name]
}

// serveStatic serves /static/{name} from the embedded files.
func serveStatic(w http.ResponseWriter, r *http.Request) {
	name := path.Clean(chi.URLParam(r, "*"))
	version, ok := assetVersions[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", httpx.ContentSecurityPolicy)
	h.Set("ETag", `"`+version+`"`)
	if r.URL.Query().Get("v") == version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeFileFS(w, r, staticFiles, "static/"+name)
}
