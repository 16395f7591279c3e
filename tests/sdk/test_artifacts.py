"""The SDK's artifact calls on runs: Client methods and the fluent API, against the real stack."""

from __future__ import annotations

import json
import struct
import uuid
import zlib

import numpy as np
import pytest
import yaml

import mlledger
from mlledger import errors


def test_client_logs_lists_and_downloads_run_artifacts(client, experiment_id, tmp_path):
    """Files logged to a run land under its artifact_uri and download back with the same layout."""
    run = client.create_run(experiment_id)
    assert client.get_artifact_uri(run.info.run_id).endswith(f"/{run.info.run_id}/artifacts")
    (tmp_path / "src" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "a.txt").write_text("alpha")
    (tmp_path / "src" / "sub" / "b.txt").write_text("beta")
    client.log_artifacts(run.info.run_id, tmp_path / "src", "inputs")
    client.log_artifact(run.info.run_id, tmp_path / "src" / "a.txt")
    assert [(f.path, f.is_dir) for f in client.list_artifacts(run.info.run_id)] == [("a.txt", False), ("inputs", True)]
    assert [f.path for f in client.list_artifacts(run.info.run_id, "inputs")] == ["inputs/a.txt", "inputs/sub"]
    local = client.download_artifacts(run.info.run_id, "inputs", tmp_path / "out")
    assert (tmp_path / "out" / "inputs" / "sub" / "b.txt").read_text() == "beta" and local.endswith("inputs")
    assert client.delete_artifacts(run.info.run_id, "inputs") == 2
    assert [f.path for f in client.list_artifacts(run.info.run_id)] == ["a.txt"]


def test_experiment_artifact_location_override_is_used(client, tmp_path):
    """A run of an experiment created with its own artifact_location stores its files there."""
    location = f"mlledger-artifacts:/custom/{uuid.uuid4().hex}"
    experiment = client.create_experiment(f"exp-{uuid.uuid4().hex[:8]}", artifact_location=location)
    run = client.create_run(experiment)
    client.upload_artifact_bytes(client.get_artifact_uri(run.info.run_id), "x.txt", b"x")
    listed = client.list_artifacts_uri(f"{location}/{run.info.run_id}/artifacts")
    assert [f.path for f in listed] == ["x.txt"]


def test_missing_local_file_is_named(client, experiment_id, tmp_path):
    """Logging a file that does not exist fails naming local_path."""
    run = client.create_run(experiment_id)
    with pytest.raises(errors.InvalidArgument) as caught:
        client.log_artifact(run.info.run_id, tmp_path / "nope.txt")
    assert caught.value.field == "local_path"


def test_fluent_text_dict_and_listing(fluent, tmp_path):
    """log_text and log_dict (JSON or YAML by extension) store on the active run and read back."""
    with mlledger.start_run() as run:
        mlledger.log_text("hello", "notes/hello.txt")
        mlledger.log_dict({"lr": 0.1, "layers": [1, 2]}, "config/params.json")
        mlledger.log_dict({"lr": 0.1}, "config/params.yaml")
        assert [f.path for f in mlledger.list_artifacts(path="config")] == ["config/params.json", "config/params.yaml"]
        local = mlledger.download_artifacts(path="config", dst_path=tmp_path)
    assert json.loads((tmp_path / "config" / "params.json").read_text()) == {"lr": 0.1, "layers": [1, 2]}
    assert yaml.safe_load((tmp_path / "config" / "params.yaml").read_text()) == {"lr": 0.1}
    text = mlledger.download_artifacts(run.info.run_id, "notes/hello.txt", tmp_path / "t")
    assert open(text).read() == "hello" and local == str(tmp_path / "config")


def _png_pixels(data: bytes) -> tuple[int, int, int, bytes]:
    """Width, height, colour type and raw scanlines of a PNG without interlacing."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind, body = data[position + 4:position + 8], data[position + 8:position + 8 + length]
        assert struct.unpack(">I", data[position + 8 + length:position + 12 + length])[0] == zlib.crc32(kind + body)
        header, idat = (body, idat) if kind == b"IHDR" else (header, idat + body if kind == b"IDAT" else idat)
        position += 12 + length
    width, height, _, colour = struct.unpack(">IIBB", header[:10])
    return width, height, colour, zlib.decompress(idat)


def test_fluent_log_image_writes_a_valid_png(fluent, tmp_path):
    """A float RGB array becomes a PNG whose pixels decode to the array scaled to 0..255."""
    image = np.linspace(0, 1, 4 * 5 * 3).reshape(4, 5, 3)
    with mlledger.start_run() as run:
        mlledger.log_image(image, "images/ramp.png")
    path = mlledger.download_artifacts(run.info.run_id, "images/ramp.png", tmp_path)
    width, height, colour, raw = _png_pixels(open(path, "rb").read())
    assert (width, height, colour) == (5, 4, 2)
    expected = np.round(image * 255).astype(np.uint8)
    rows = np.frombuffer(raw, np.uint8).reshape(4, 1 + 5 * 3)
    if rows[:, 0].any():  # PIL wrote it with row filters: let PIL decode it
        from PIL import Image

        assert np.array_equal(np.asarray(Image.open(path).convert("RGB")), expected)
    else:
        assert np.array_equal(rows[:, 1:].reshape(4, 5, 3), expected)


def test_log_image_refuses_bad_shapes(fluent):
    """An array that is not an image is refused naming `image`, before anything is uploaded."""
    with mlledger.start_run():
        with pytest.raises(errors.InvalidArgument) as caught:
            mlledger.log_image(np.zeros((2, 2, 2)), "bad.png")
    assert caught.value.field == "image"


def test_log_figure_stores_a_matplotlib_figure(fluent, tmp_path):
    """A matplotlib figure is saved in the format its file name names."""
    pyplot = pytest.importorskip("matplotlib.pyplot")
    figure, axes = pyplot.subplots()
    axes.plot([1, 2, 3])
    with mlledger.start_run() as run:
        mlledger.log_figure(figure, "plots/line.png")
    assert open(mlledger.download_artifacts(run.info.run_id, "plots/line.png", tmp_path), "rb").read(4) == b"\x89PNG"


def test_fluent_calls_without_a_run_need_a_run_id(fluent):
    """Listing or downloading with no active run and no run id fails naming run_id."""
    with pytest.raises(errors.InvalidArgument) as caught:
        mlledger.list_artifacts()
    assert caught.value.field == "run_id"


def test_downloading_a_run_without_artifacts_gives_an_empty_directory(client, experiment_id, tmp_path):
    """A run with no files downloads as an empty directory; a named missing path is NOT_FOUND."""
    run = client.create_run(experiment_id)
    local = client.download_artifacts(run.info.run_id, "", tmp_path / "empty")
    assert local == str(tmp_path / "empty") and list((tmp_path / "empty").iterdir()) == []
    with pytest.raises(errors.NotFound):
        client.download_artifacts(run.info.run_id, "model", tmp_path / "x")


@pytest.mark.parametrize("shape, colour", [((3, 4), 0), ((3, 4, 4), 6), ((1, 1, 3), 2)])
def test_pure_numpy_png_encoder_round_trips(shape, colour):
    """The fallback PNG encoder writes grey, RGB and RGBA pixels that decode back unchanged."""
    from mlledger._fluent_artifacts import _as_uint8, _png_from_array

    pixels = np.arange(int(np.prod(shape)), dtype=np.uint8).reshape(shape)
    width, height, found, raw = _png_pixels(_png_from_array(_as_uint8(pixels)))
    assert (width, height, found) == (shape[1], shape[0], colour)
    rows = np.frombuffer(raw, np.uint8).reshape(shape[0], -1)
    assert not rows[:, 0].any() and np.array_equal(rows[:, 1:].reshape(pixels.shape), pixels)
