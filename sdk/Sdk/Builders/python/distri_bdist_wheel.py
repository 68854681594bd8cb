"""A bdist_wheel command for setuptools when the `wheel` distribution is not installed.

setuptools before 70.1 builds wheels (PEP 517's build_wheel, and the metadata hook through
dist_info) with the bdist_wheel command of the separate `wheel` distribution. The distribution
has no `wheel` package yet, so the python builder puts this module on the build's path when
`import wheel` fails: it installs the built project into a temporary root laid out as a wheel
(purelib or platlib at the top, scripts/data/headers under NAME-VERSION.data/), turns the
egg-info into a dist-info and zips it with a RECORD. No wheel is published: pip installs it
under the package's prefix at once.
"""
import base64
import hashlib
import os
import re
import shutil
import sys
import sysconfig
import tempfile
import zipfile

from setuptools import Command


def _safe(value):
    return re.sub(r"[^\w\d.]+", "_", value)


class bdist_wheel(Command):
    description = "create a wheel (distri's stand-in for the wheel distribution's command)"
    user_options = [("dist-dir=", "d", "directory to put the wheel in")]

    def initialize_options(self):
        self.dist_dir = None

    def finalize_options(self):
        self.dist_dir = self.dist_dir or "dist"

    def _tag(self):
        if not self.distribution.has_ext_modules():
            return "py3-none-any"
        python = "cp%d%d" % sys.version_info[:2]
        return "%s-%s-%s" % (python, python, sysconfig.get_platform().replace("-", "_").replace(".", "_"))

    def egg2dist(self, egg_info, dist_info):
        """The egg-info setuptools writes, as a dist-info (METADATA is PKG-INFO's core metadata)."""
        os.makedirs(dist_info, exist_ok=True)
        shutil.copyfile(os.path.join(egg_info, "PKG-INFO"), os.path.join(dist_info, "METADATA"))
        for name in ("entry_points.txt", "top_level.txt"):
            if os.path.exists(os.path.join(egg_info, name)):
                shutil.copyfile(os.path.join(egg_info, name), os.path.join(dist_info, name))

    def run(self):
        name = _safe(self.distribution.get_name())
        version = _safe(self.distribution.get_version())
        pure = not self.distribution.has_ext_modules()
        root = tempfile.mkdtemp(prefix="distri-wheel-")
        data = "%s-%s.data" % (name, version)

        self.run_command("build")
        install = self.reinitialize_command("install", reinit_subcommands=True)
        install.root = root
        install.compile = False
        install.skip_build = True
        install.warn_dir = False
        install.single_version_externally_managed = True
        for key in ("headers", "scripts", "data", "purelib", "platlib"):
            setattr(install, "install_" + key, os.path.join(data, key))
        setattr(install, "install_purelib" if pure else "install_platlib", "")
        install.install_lib = ""
        # Console scripts come from entry_points.txt when pip installs the wheel.
        self.reinitialize_command("install_scripts").no_ep = True
        self.run_command("install")

        for entry in os.listdir(root):
            if entry.endswith(".egg-info"):
                shutil.rmtree(os.path.join(root, entry), ignore_errors=True)
        dist_info = os.path.join(root, "%s-%s.dist-info" % (name, version))
        self.egg2dist(self.get_finalized_command("egg_info").egg_info, dist_info)
        with open(os.path.join(dist_info, "WHEEL"), "w") as wheel:
            wheel.write("Wheel-Version: 1.0\nGenerator: distri\nRoot-Is-Purelib: %s\nTag: %s\n" % ("true" if pure else "false", self._tag()))

        os.makedirs(self.dist_dir, exist_ok=True)
        path = os.path.join(self.dist_dir, "%s-%s-%s.whl" % (name, version, self._tag()))
        record_name = os.path.relpath(os.path.join(dist_info, "RECORD"), root)
        records = []
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for directory, _, files in sorted(os.walk(root)):
                for file in sorted(files):
                    full = os.path.join(directory, file)
                    relative = os.path.relpath(full, root)
                    with open(full, "rb") as f:
                        content = f.read()
                    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
                    records.append("%s,sha256=%s,%d" % (relative, digest, len(content)))
                    archive.write(full, relative)
            archive.writestr(record_name, "\n".join(records + [record_name + ",,"]) + "\n")
        shutil.rmtree(root, ignore_errors=True)
