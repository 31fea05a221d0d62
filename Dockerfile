# The bot in a container. State lives on a volume: mount one at /data, or every restart starts
# empty. Run one container per state file (the lock only holds within one filesystem).
#   docker build -t arxiv-digest .
#   docker run -d --name arxiv-digest -e DISCORD_TOKEN=... -v arxiv-digest-data:/data arxiv-digest
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY digest ./digest
COPY storage ./storage
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 1000 digest \
    && mkdir /data && chown digest /data

USER digest
ENV ARXIV_DIGEST_STATE=/data/state.json
VOLUME /data
CMD ["arxiv-digest", "run"]
