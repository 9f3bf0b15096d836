# syntax=docker/dockerfile:1
# Khata production image: Django + gunicorn, static files served by WhiteNoise.
# Build: docker build -t khata .   Run with a database: see docker-compose.yml.

# --- Build stage: compile mysqlclient (and the XStatic-Bootstrap sdist) into a venv ---
FROM python:3.11-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        pkg-config default-libmysqlclient-dev build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# PIP_BUILD_CONSTRAINT needs pip >= 25.3.
RUN pip install --upgrade "pip>=25.3"

WORKDIR /app
COPY requirements.txt build-constraints.txt ./
# XStatic-Bootstrap is built from an sdist whose build needs setuptools<81.
ENV PIP_BUILD_CONSTRAINT=/app/build-constraints.txt
RUN pip install -r requirements.txt

# --- Assets stage: the front-end packages from npm, at package-lock.json's versions ---
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# --- Runtime stage: only the MariaDB/MySQL client library, no compilers ---
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libmariadb3 \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core \
    && rm -rf /var/lib/apt/lists/*

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
COPY . .
# Only the date picker's dist folder (settings.STATICFILES_DIRS), not node_modules.
COPY --from=assets /app/node_modules/flatpickr/dist ./node_modules/flatpickr/dist
RUN DEBUG=false SECRET_KEY=build-only python manage.py collectstatic --noinput

RUN groupadd --system --gid 10001 khata \
    && useradd --system --uid 10001 --gid khata --no-create-home --home-dir /app --shell /usr/sbin/nologin khata
USER khata

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-tmp-dir", "/dev/shm"]
