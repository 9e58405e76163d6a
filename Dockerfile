# One image for grading the course on a cluster (Kubernetes, Slurm) or anywhere Docker runs:
#   make image                      # docker (or podman) build -t bilstm-ner-grader .
#   docker run --rm -v $PWD/submissions:/submissions:ro -v $PWD/out:/out bilstm-ner-grader \
#       grade /submissions --json /out/results.json
# Kernels run in bubblewrap where the container may create user namespaces (podman; Docker with
# --security-opt seccomp=unconfined --security-opt apparmor=unconfined); elsewhere pass
# --sandbox none, and the container is the only isolation. See README, "Grading on a cluster".
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap util-linux \
    && rm -rf /var/lib/apt/lists/*

# The tool and the kernels it starts run as this unprivileged user, never as root.
RUN useradd --create-home --uid 1000 grader

WORKDIR /opt/course
COPY pyproject.toml README.md ./
COPY requirements/ requirements/
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --upgrade pip
ENV PATH=/opt/venv/bin:$PATH \
    TF_CPP_MIN_LOG_LEVEL=2 \
    TF_ENABLE_ONEDNN_OPTS=0
COPY bilstm_ner/ bilstm_ner/
COPY grader/ grader/
COPY solutions/ solutions/
# The same pinned versions as `make install` (requirements/constraints.txt); editable, so the
# course's solutions/ (which decide what is graded) sit beside the package.
RUN pip install --no-cache-dir -c requirements/constraints.txt -e . \
    && python -c "import grader.batch.cli, bilstm_ner"

USER grader
ENTRYPOINT ["python", "-m", "grader"]
CMD ["--help"]
