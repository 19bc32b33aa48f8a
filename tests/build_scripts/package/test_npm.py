"""The npm tarball, used as a web developer would: a scratch Vite app (Vite pinned in its
lockfile) installs the tarball, imports `create`, copies the runtime files with the
package's command and builds; headless Chromium opens the built app and tracks a photo with
every request kept on the app's origin. And without a bundler: the package's files copied
to a static site plus one script tag."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile

import pytest

from build_scripts.common import serve
from build_scripts.common.chromium import CHROMIUM, FLAGS
from build_scripts.common.paths import ROOT, SHARED_DATA
from build_scripts.package import npm

APP = ROOT / "tests" / "build_scripts" / "package" / "vite_app"
PHOTO = SHARED_DATA / "eval" / "mpii" / "004645041.jpg"  # a truck driver, one hand on the wheel
pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    if not (npm.DIST / "assets.json").is_file():
        pytest.fail(f"{npm.DIST} is not built: run ./run web (./run test does)")
    return npm.build(tmp_path_factory.mktemp("npm"))


def _npm(*args, cwd):
    proc = subprocess.run(["npm", "--no-audit", "--no-fund", "--loglevel=error", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"npm {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _track(browser, site, path: str) -> dict:
    """Open `path` on a server of `site`; any request off that origin is refused (offline)."""
    with serve.serving(site) as url:
        origin = url.rstrip("/")
        context = browser.new_context()
        off_origin = []

        def guard(route):
            if route.request.url.startswith((origin + "/", "data:", "blob:")):
                route.continue_()
            else:
                off_origin.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        page = context.new_page()
        page.set_default_timeout(180_000)
        try:
            page.goto(url + path)
            page.wait_for_function("window.app && window.app.status !== 'loading'")
            app = page.evaluate("window.app")
        finally:
            context.close()
    assert app["status"] == "done", app
    assert off_origin == [], off_origin
    return app


@pytest.fixture(scope="module")
def browser(playwright_session):
    b = playwright_session.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
    yield b
    b.close()


def test_the_tarball_is_a_complete_checksummed_package(tarball, tmp_path):
    with tarfile.open(tarball) as tar:
        names = {m.name for m in tar.getmembers()}
        pkg = json.load(tar.extractfile("package/package.json"))
        assets = json.load(tar.extractfile("package/assets.json"))["files"]
        notice = tar.extractfile("package/NOTICE.md").read().decode()
        for rel, entry in assets.items():
            data = tar.extractfile(f"package/{rel}").read()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"], rel
    assert (pkg["name"], pkg["license"]) == ("blazepose-holistic", "Apache-2.0")
    targets = [pkg["exports"]["."]["import"], pkg["exports"]["."]["types"],
               pkg["exports"]["./script"]["default"], *pkg["bin"].values()]
    assert all(f"package/{t[2:]}" in names for t in targets), targets
    for runtime in ("blazepose-holistic.worker.js", "pyodide/pyodide.asm.wasm",
                    "ort/ort-wasm-simd-threaded.wasm", "models/pose_landmark_full.onnx"):
        assert runtime in assets
    assert any(n.endswith(".whl") for n in assets)
    assert "Apache License" in notice and "@mediapipe/holistic" in notice and "onnxruntime-web" in notice
    assert "package/LICENSE" in names
    assert npm.build(tmp_path).read_bytes() == tarball.read_bytes(), "not reproducible"


def test_a_vite_app_installs_imports_builds_and_tracks_offline(tarball, browser, tmp_path):
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    _npm("ci", "--prefer-offline", cwd=app)  # Vite at the lockfile's pins, dev-only
    assert json.loads((app / "node_modules" / "vite" / "package.json").read_text())["version"] \
        == json.loads((APP / "package.json").read_text())["devDependencies"]["vite"]
    _npm("install", str(tarball), cwd=app)
    # The one step a bundler needs: the runtime files where the app serves files as they are.
    _npm("exec", "--", "blazepose-holistic-assets", "public/blazepose-holistic", cwd=app)
    shutil.copy(PHOTO, app / "public" / "photo.jpg")
    _npm("run", "build", cwd=app)
    built = app / "dist"
    bundled = "".join(p.read_text() for p in (built / "assets").glob("*.js"))
    assert "detectForVideo" in bundled, "create() and the tracker were bundled into the app"
    result = _track(browser, built, "index.html")
    assert result["poseLandmarks"] == 33 and result["hands"] >= 1, result


def test_no_bundler_a_static_copy_and_one_script_tag(tarball, browser, tmp_path):
    site = tmp_path / "site"
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp_path, filter="data")
    shutil.copytree(tmp_path / "package", site / "vendor" / "blazepose-holistic")
    shutil.copy(PHOTO, site / "photo.jpg")
    (site / "index.html").write_text("""<!doctype html><meta charset="utf-8">
<script src="vendor/blazepose-holistic/blazepose-holistic.js"></script>
<script>
window.app = { status: "loading" };
BlazePoseHolistic.create({ staticImageMode: true }).then(async (tracker) => {
  const img = new Image();
  img.src = "photo.jpg";
  await img.decode();
  const r = await tracker.send(img);
  window.app = { status: "done", poseLandmarks: r.poseLandmarks ? r.poseLandmarks.length : 0,
                 hands: [r.leftHandLandmarks, r.rightHandLandmarks].filter(Boolean).length };
}).catch((e) => { window.app = { status: "error", error: e.name + ": " + e.message }; });
</script>
""")
    result = _track(browser, site, "index.html")
    assert result["poseLandmarks"] == 33 and result["hands"] >= 1, result
