// GET /api/diagnostics/erasures/{id}/certificate: the certificate of a completed erasure (409 before, 404 unknown).
import { httpFunction, json } from '../shared/http/endpoint';
import { erasureParamsSchema } from '../shared/http/erasure-routes';
import { getCertificate } from '../shared/services/erasure-service';

httpFunction({
  name: 'erasures-certificate-get',
  route: 'diagnostics/erasures/{id}/certificate',
  methods: ['GET'],
  auth: { bearer: 'required' },
  summary: 'the erasure certificate: who asked, who ran it, the hashed subject, counts per store, what remains by design (admin)',
  params: erasureParamsSchema,
  handler: async ({ params, services, principal }) => json(200, await getCertificate(services.erasures, principal, params.id)),
});
