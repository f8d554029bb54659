"""Feeds user data to cloud-init's own parser and prints what cloud-init makes of it, as JSON.

Run with Debian's /usr/bin/python3 and PYTHONPATH pointing at the unpacked cloud-init package
(.cache/cloud-init/usr/lib/python3/dist-packages; see scripts/install-test-deps.sh).

    cloud_init_parse.py FILE [FILE...]   ->   [{"parts": [...], "scripts": [...], "scriptHashes": {...}}, ...]

parts: every part UserDataProcessor.process() produces, in order: content type, filename and the
sha256 of the payload cloud-init hands to the part handlers (util.fully_decoded_payload).
scripts: the files cloud-init's own shell-script part handler writes to the instance's scripts
directory, in the order scripts-user runs them (subp.runparts sorts os.listdir).
scriptHashes: the sha256 of each file written there (what runs on the instance).
With CLOUD_INIT_PAYLOADS=1 each part also carries its payload, base64 ("payload").
With CLOUD_INIT_RUN_SCRIPTS=1 it also runs them with cloud-init's subp.runparts (test scripts only).
"""

import base64
import hashlib
import json
import logging
import os
import sys
import tempfile

from cloudinit import handlers, helpers, subp, util
from cloudinit.handlers.shell_script import ShellScriptPartHandler
from cloudinit.settings import PER_INSTANCE
from cloudinit.user_data import UserDataProcessor


def payload_bytes(part):
    payload = util.fully_decoded_payload(part)
    if payload is None:
        return b""
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return payload


def parse(path):
    with open(path, "rb") as f:
        blob = f.read()
    with tempfile.TemporaryDirectory() as cloud_dir:
        paths = helpers.Paths({"cloud_dir": cloud_dir, "run_dir": os.path.join(cloud_dir, "run")})
        scripts_dir = paths.get_ipath_cur("scripts")
        os.makedirs(scripts_dir)
        processed = UserDataProcessor(paths).process(blob)
        parts = []
        for part in processed.walk():
            if part.get_content_maintype() == "multipart":
                continue
            data = payload_bytes(part)
            entry = {
                "contentType": part.get_content_type(),
                "filename": part.get_filename(),
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            }
            if os.environ.get("CLOUD_INIT_PAYLOADS") == "1":
                entry["payload"] = base64.b64encode(data).decode("ascii")
            parts.append(entry)
        # What cloud-init's handlers stage does with these parts, limited to shell scripts.
        shell = ShellScriptPartHandler(paths)
        data = {
            "handlers": {ctype: shell for ctype in shell.list_types()},
            "handlerdir": cloud_dir,
            "data": None,
            "frequency": PER_INSTANCE,
            "handlercount": 0,
            "excluded": ["text/part-handler"],  # never import a part handler here
        }
        handlers.walk(processed, handlers.walker_callback, data)
        scripts = sorted(os.listdir(scripts_dir))
        script_hashes = {}
        for name in scripts:
            with open(os.path.join(scripts_dir, name), "rb") as f:
                script_hashes[name] = hashlib.sha256(f.read()).hexdigest()
        result = {"parts": parts, "scripts": scripts, "scriptHashes": script_hashes}
        if os.environ.get("CLOUD_INIT_RUN_SCRIPTS") == "1":
            result["runError"] = run_scripts(scripts_dir)
    return result


def run_scripts(scripts_dir):
    """Runs the scripts as scripts-user does (cloud-init's own subp.runparts), stdout kept off ours.

    Only for inputs whose scripts are harmless test scripts: the caller decides.
    """
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        subp.runparts(scripts_dir)
        return None
    except RuntimeError as error:
        # runparts runs every script, then raises naming the ones that failed (as scripts-user does).
        return str(error)
    finally:
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)


def main():
    logging.disable(logging.CRITICAL)
    print(json.dumps([parse(p) for p in sys.argv[1:]]))


if __name__ == "__main__":
    main()
