"""Azure Blob Storage for published papers and register PDFs (django-storages).

Kept apart from reports/storage.py so that only processes configured for Azure
import the Azure SDK.
"""

from azure.storage.blob import BlobServiceClient
from storages.backends.azure_storage import AzureStorage


class AzureBlobStorage(AzureStorage):
    """django-storages' Azure Blob storage, honouring client options everywhere."""

    def _get_service_client(self):
        # django-storages drops `client_options` (retries, timeouts) when it is
        # given a connection string; pass them on.
        if self.connection_string is not None:
            return BlobServiceClient.from_connection_string(
                self.connection_string, **self.client_options
            )
        return super()._get_service_client()
