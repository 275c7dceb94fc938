FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml constraints.txt ./
COPY config ./config
COPY partners ./partners
COPY convenants ./convenants
COPY cases ./cases
COPY signals ./signals
RUN pip install --no-cache-dir -c constraints.txt -e .
COPY . .
# The production build exactly as CI runs it (.ci/run): translations, static files collected with DEBUG=0 by the
# manifest storage that whitenoise serves from.
RUN bin/build
EXPOSE 8000
# gunicorn, as CI and docker-compose.yml run it; needs DATABASE_URL and SECRET_KEY (README, Production).
CMD ["bin/serve"]
