// The browser side of tests/test_service_browser.py: real Uppy uploading through `s3presign serve`.
// window.s3presignUpload(endpoint, multipartAbove) uploads the files chosen in <input id="file">
// with @uppy/aws-s3 in companionEndpoint mode and resolves to Uppy's result, simplified.
import Uppy from '@uppy/core'
import AwsS3 from '@uppy/aws-s3'

window.s3presignUpload = async (endpoint, multipartAbove) => {
  const uppy = new Uppy({ autoProceed: false })
  uppy.use(AwsS3, {
    companionEndpoint: endpoint,
    shouldUseMultipart: (file) => file.size > multipartAbove,
  })
  const parts = []
  uppy.on('s3-multipart:part-uploaded', (file, part) => parts.push({ name: file.name, part: part.PartNumber }))
  for (const file of document.getElementById('file').files) {
    uppy.addFile({ name: file.name, type: file.type, data: file })
  }
  const result = await uppy.upload()
  return {
    successful: result.successful.map((f) => ({ name: f.name, key: f.response.body.key, location: f.response.uploadURL })),
    failed: result.failed.map((f) => ({ name: f.name, error: String(f.error) })),
    parts,
  }
}
