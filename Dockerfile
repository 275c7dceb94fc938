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
RUN DEBUG=1 python manage.py compilemessages --ignore=.venv && DEBUG=1 python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
